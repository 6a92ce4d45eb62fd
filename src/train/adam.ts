/**
 * Adam (Kingma & Ba) over a fixed list of variables, with its state exposed as plain arrays so a
 * checkpoint can save and restore it exactly (tfjs's own optimizer keys state by registration
 * order and process-wide variable names).
 */
import { tf } from './backend.ts';

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class Adam {
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly vars: tf.Variable[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-7,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /** One update; grads[i] belongs to vars[i] (null = no gradient this step). */
  apply(grads: (tf.Tensor | null)[], lr: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        x.assign(tf.sub(x, update));
      });
    });
  }

  state(): AdamState {
    return { step: this.step, m: this.m.map((t) => t.dataSync() as Float32Array), v: this.v.map((t) => t.dataSync() as Float32Array) };
  }

  restore(s: AdamState): void {
    if (s.m.length !== this.m.length) throw new Error('optimizer state does not match the network');
    this.step = s.step;
    tf.tidy(() => {
      this.m.forEach((t, i) => t.assign(tf.tensor(s.m[i]!, t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(s.v[i]!, t.shape)));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

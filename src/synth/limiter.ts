/**
 * A counting semaphore. bitbeat runs at most two heavy tool jobs (Yosys, nextpnr) at once in a
 * process, whatever asks for them (several seeds, a sweep of designs), because the machines it
 * targets have two cores and place and route is single-threaded.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`Limiter needs at least one slot, got ${slots}`);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** The process-wide limit on concurrent heavy tool jobs. */
export const toolJobs = new Limiter(2);

/** Maps `items` through `fn` with at most `limit` in flight; results keep the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limiter = new Limiter(limit);
  return Promise.all(items.map((item, i) => limiter.run(() => fn(item, i))));
}

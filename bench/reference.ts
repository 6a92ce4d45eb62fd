/**
 * `npm run bench:reference`: single-thread windows per second of the integer reference
 * (src/reference) against TensorFlow.js inference of the same model on the same windows,
 * measured in one run, written to bench/reference.md.
 *
 * The model is the BTPN architecture (seed 002: seven blocks, dense 216 x 5, 3,600-sample
 * windows) as a float tfjs network (src/train, seeded initialization, BatchNorm statistics
 * perturbed so thresholds are not all zero), exported to a quantized model by the training
 * exporter; the windows are synthetic (src/model/random.ts), so no data set is needed.
 * Engines, timed on every window, taking turns batch by batch so machine load hits them alike:
 *   reference   compileReference(model).classify(window), one window at a time
 *   tfjs float  forward(net) of the float network on the wasm backend, batches of 64
 *               (the normalizer, which the float network is trained on, included)
 *   tfjs int    the training code's batched tfjs evaluator of the quantized model (qengine)
 * It also reports class agreement between the engines (reference vs tfjs int must be 100 %).
 */
import { cpus, loadavg } from 'node:os';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRng } from '../src/data/rng.ts';
import { normalizeWindow } from '../src/model/normalizer.ts';
import { modelHash } from '../src/model/hash.ts';
import type { QModel } from '../src/model/qmodel.ts';
import { randomWindows } from '../src/model/random.ts';
import { compileReference } from '../src/reference/compile.ts';
import { initBackend, tf } from '../src/train/backend.ts';
import { PRESETS } from '../src/train/arch.ts';
import { createNetwork, forward } from '../src/train/network.ts';
import { exportNetwork } from '../src/train/export.ts';
import { inputScale } from '../src/train/inputs.ts';
import { compileTfjsEngine } from '../src/train/qengine.ts';

const SEED = 2026;
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 64;
const CLASSES = ['N', 'S', 'V', 'F', 'Q'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  const spec = PRESETS.btpn!();
  const inputLength = 3600;
  const net = createNetwork(spec, inputLength, CLASSES.length, SEED);
  // Untrained BatchNorm would put every threshold at 0; give each channel a random running
  // mean/variance so the folded thresholds are spread like a trained network's.
  const rng = makeRng(SEED);
  for (const [name, v] of net.vars) {
    const n = v.shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('.mean')) v.assign(tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * 2), v.shape));
    if (name.endsWith('.var')) v.assign(tf.tensor(Float32Array.from({ length: n }, () => 1 + rng() * 20), v.shape));
  }

  const proto = { input: { length: inputLength, sampleBits: 12, sampleRate: 360 } } as QModel;
  const windows = randomWindows(rng, proto, WINDOWS);
  const scale = inputScale(spec.normalizer);
  const z = new Int32Array(inputLength);
  const normalized = (from: number, to: number): Float32Array => {
    const x = new Float32Array((to - from) * inputLength);
    for (let i = from; i < to; i++) {
      normalizeWindow(windows[i]!, spec.normalizer, z);
      for (let j = 0; j < inputLength; j++) x[(i - from) * inputLength + j] = z[j]! * scale;
    }
    return x;
  };
  const calib = Math.min(WINDOWS, 256);
  const { model } = exportNetwork(net, {
    name: 'btpn-bench',
    task: 'synthetic',
    classes: CLASSES,
    sampleRate: 360,
    sampleBits: 12,
    calibration: { data: { x: normalized(0, calib), labels: new Uint8Array(calib), length: inputLength, classes: CLASSES.length }, idx: Array.from({ length: calib }, (_, i) => i) },
    provenance: { bench: 'bench/reference.ts', seed: SEED },
  });

  const ref = compileReference(model);
  const qengine = compileTfjsEngine(model, BATCH);
  const refClasses = new Int32Array(WINDOWS);
  const floatClasses = new Int32Array(WINDOWS);
  const intClasses = new Int32Array(WINDOWS);

  // Each engine runs batch by batch, the engines taking turns on every batch of 64 windows,
  // so load from other processes on this shared machine falls on all of them alike.
  const runReference = (s: number, e: number): void => {
    for (let i = s; i < e; i++) refClasses[i] = ref.classify(windows[i]!);
  };
  const runFloat = (s: number, e: number): void => {
    const x = normalized(s, e);
    const cls = tf.tidy(() => forward(net, tf.tensor3d(x, [e - s, inputLength, 1]), false).logits.argMax(1));
    floatClasses.set(cls.dataSync() as Int32Array, s);
    cls.dispose();
  };
  const runInt = (s: number, e: number): void => {
    intClasses.set(qengine.run(windows.slice(s, e), e - s).classes, s);
  };

  const engines: [string, (s: number, e: number) => void][] = [
    ['reference (integer, bit-packed)', runReference],
    ['tfjs float network', runFloat],
    ['tfjs integer engine (qengine)', runInt],
  ];
  // warm-up pass over every window: JIT tiers, wasm, tfjs kernels
  for (let s = 0; s < WINDOWS; s += BATCH) for (const [, run] of engines) run(s, Math.min(WINDOWS, s + BATCH));
  const times = new Map<string, number[]>(engines.map(([n]) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const round = new Map<string, number>(engines.map(([n]) => [n, 0]));
    for (let s = 0; s < WINDOWS; s += BATCH) {
      const e = Math.min(WINDOWS, s + BATCH);
      for (const [name, run] of engines) {
        const t0 = performance.now();
        run(s, e);
        round.set(name, round.get(name)! + (performance.now() - t0) / 1000);
      }
    }
    for (const [name, t] of round) times.get(name)!.push(t);
  }
  qengine.dispose();

  const rate = (name: string): number => WINDOWS / median(times.get(name)!);
  const refRate = rate(engines[0]![0]);
  const floatRate = rate(engines[1]![0]);
  const intRate = rate(engines[2]![0]);
  let agreeFloat = 0;
  let agreeInt = 0;
  for (let i = 0; i < WINDOWS; i++) {
    if (refClasses[i] === floatClasses[i]) agreeFloat++;
    if (refClasses[i] === intClasses[i]) agreeInt++;
  }
  const pct = (n: number): string => `${((100 * n) / WINDOWS).toFixed(2)} %`;
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const lines = [
    '# Integer reference benchmark',
    '',
    'Generated by `npm run bench:reference` (bench/reference.ts). Single thread, one run; the engines',
    `take turns on every batch of ${BATCH} windows, ${ROUNDS} rounds over the same ${WINDOWS} synthetic windows (median round shown).`,
    '',
    `- model: BTPN architecture (7 blocks + dense 216x5, ${inputLength}-sample windows), seeded float network`,
    `  exported by src/train/export.ts; quantized model sha256 ${modelHash(model).slice(0, 16)}`,
    `- machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}, tfjs backend ${backend}`,
    `- load average when done (1, 5, 15 min): ${load} (the machine is shared; absolute rates vary with load,`,
    '  the ratio measured in one run is the meaningful number)',
    '',
    '| engine | windows/s | seconds per round |',
    '|---|---:|---:|',
    ...engines.map(([name]) => `| ${name} | ${rate(name).toFixed(0)} | ${times.get(name)!.map((t) => t.toFixed(2)).join(' / ')} |`),
    '',
    `**reference / tfjs float = ${(refRate / floatRate).toFixed(2)}x** (goal >= 2x); reference / tfjs integer engine = ${(refRate / intRate).toFixed(2)}x.`,
    '',
    'Class agreement on these windows:',
    `- reference vs tfjs integer engine: ${pct(agreeInt)} (same integer semantics; must be 100 %)`,
    `- reference vs tfjs float network: ${pct(agreeFloat)} (float vs exported integer model)`,
    `- classes predicted by the reference: ${CLASSES.map((c, k) => `${c} ${refClasses.filter((x) => x === k).length}`).join(', ')}`,
    '  (an untrained network on synthetic windows: the agreement is a smoke test of the export; trained',
    '  models are compared on real test windows by the accuracy bench)',
    '',
  ];
  const out = join('bench', 'reference.md');
  writeFileSync(`${out}.tmp`, lines.join('\n'));
  renameSync(`${out}.tmp`, out);
  process.stdout.write(lines.join('\n'));
  if (agreeInt !== WINDOWS) process.exitCode = 1;
}

await main();

/**
 * Deterministic synthetic ECG in the spirit of McSharry et al.'s ECGSYN ("A dynamical model for
 * generating synthetic electrocardiogram signals", IEEE TBME 50(3), 2003).
 *
 * The trajectory turns around a limit cycle whose phase theta advances at w = 2*pi/RR (one
 * turn per beat, R peak at theta = 0), and the ECG z follows
 *     dz/dt = -sum_i a_i * w * dtheta_i * exp(-dtheta_i^2 / (2 b_i^2)) - (z - z0(t))
 * where each wave i (P, Q, R, S, T, plus extra humps for abnormal beats) is a Gaussian at
 * phase theta_i with width b_i, and z0 is respiratory baseline wander. With a_i = amp_i / b_i^2
 * wave i peaks near amp_i mV. The equations are integrated with Euler steps at 4x the output
 * rate; RR intervals and the per-beat wave set come from a per-class rhythm, so classes differ
 * in morphology and rhythm (premature, wide, paced, fibrillating, ...). Then white noise is
 * added and the signal is quantized like MIT-BIH: 360 Hz, 11-bit, 1024 + 200 adu/mV.
 *
 * Each class is one continuous record 'syn-<class>' cut into non-overlapping windows, so
 * offsets are real positions. Only the seeded RNG (rng.ts) is used: same options, same bytes.
 */
import { BITBEAT_VERSION } from '../version.ts';
import { AAMI5_CLASSES } from './aami.ts';
import type { Dataset, DatasetTask } from './dataset.ts';
import { RHYTHM17_CLASSES } from './plawiak.ts';
import { makeRng, type Rng } from './rng.ts';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, MITDB_ADC, MITDB_SAMPLE_RATE } from './mitdb.ts';

interface Wave {
  /** Phase of the wave centre (rad) at RR = 0.8 s; R is at 0. */
  theta: number;
  /** Peak amplitude in mV. */
  amp: number;
  /** Gaussian width (rad) at RR = 0.8 s. */
  width: number;
  /** QRS waves keep their duration in seconds when RR changes; P and T stretch with sqrt(RR). */
  qrs: boolean;
}

const w = (theta: number, amp: number, width: number, qrs: boolean): Wave => ({ theta, amp, width, qrs });
const PI = Math.PI;

/** Beat morphologies (waves in mV at RR = 0.8 s). */
const MORPH = {
  normal: [w(-PI / 3, 0.15, 0.25, false), w(-PI / 12, -0.12, 0.1, true), w(0, 1.0, 0.1, true), w(PI / 12, -0.25, 0.1, true), w(PI / 2, 0.3, 0.4, false)],
  /** Atrial premature: inverted early P, normal narrow QRS. */
  apc: [w(-PI / 4, -0.12, 0.18, false), w(-PI / 12, -0.1, 0.1, true), w(0, 0.95, 0.1, true), w(PI / 12, -0.3, 0.1, true), w(PI / 2, 0.25, 0.4, false)],
  /** Ventricular premature: no P, wide tall QRS, deep S, discordant (inverted) T. */
  pvc: [w(-0.1, 0.4, 0.2, true), w(0.05, 1.5, 0.18, true), w(PI / 5, -0.6, 0.22, true), w(PI / 2 + 0.2, -0.45, 0.45, false)],
  /** Fusion: normal P, QRS between normal and PVC, flat T. */
  fusion: [w(-PI / 3, 0.12, 0.25, false), w(-0.05, 0.3, 0.14, true), w(0.03, 1.2, 0.13, true), w(PI / 8, -0.45, 0.15, true), w(PI / 2, 0.05, 0.4, false)],
  /** Paced: no P, wide QRS after the pacing spike (spike added separately), inverted T. */
  paced: [w(0.02, 0.8, 0.2, true), w(PI / 6, -0.7, 0.2, true), w(PI / 2 + 0.1, -0.3, 0.45, false)],
  /** Left bundle branch block: wide notched (M-shaped) R, no S, inverted T. */
  lbbb: [w(-PI / 3, 0.12, 0.25, false), w(-0.05, 0.8, 0.12, true), w(0.12, 0.85, 0.12, true), w(PI / 2 + 0.1, -0.35, 0.4, false)],
  /** Right bundle branch block: rSR' with a wide terminal S. */
  rbbb: [w(-PI / 3, 0.15, 0.25, false), w(-0.03, 0.5, 0.07, true), w(0.1, -0.45, 0.08, true), w(0.22, 0.7, 0.1, true), w(0.45, -0.2, 0.15, true), w(PI / 2 + 0.1, 0.25, 0.4, false)],
  /** Wolff-Parkinson-White: short PR and a slurred delta wave before R. */
  wpw: [w(-PI / 5, 0.15, 0.2, false), w(-0.18, 0.35, 0.12, true), w(0, 1.0, 0.1, true), w(PI / 12, -0.25, 0.1, true), w(PI / 2, 0.2, 0.4, false)],
  /** No atrial wave (fibrillation, flutter, nodal/ventricular rhythms). */
  noP: [w(-PI / 12, -0.12, 0.1, true), w(0, 1.0, 0.1, true), w(PI / 12, -0.25, 0.1, true), w(PI / 2, 0.3, 0.4, false)],
  /** Blocked beat: a P wave with no QRS (second-degree heart block). */
  pOnly: [w(-PI / 3, 0.15, 0.25, false)],
  /** Unclassifiable: low, slurred, biphasic complex. */
  odd: [w(-0.1, -0.35, 0.14, true), w(0.12, 0.55, 0.16, true), w(PI / 2, 0.15, 0.5, false)],
} satisfies Record<string, Wave[]>;

interface BeatPlan {
  rr: number;
  waves: Wave[];
  /** Pacing spike at the start of this beat's QRS. */
  spike?: boolean;
}

/** Continuous signals added to z (mV) besides beats, as a function of time (s). */
type Extra = (t: number) => number;

interface Rhythm {
  next(): BeatPlan;
  extra?: Extra;
  /** Replaces the beat signal entirely (ventricular flutter). */
  replace?: Extra;
}

/** Slowly drifting sinus RR (s) around `mean`, bounded to +-15 %. */
function sinusRR(rng: Rng, mean: number): () => number {
  let rr = mean * (0.9 + 0.2 * rng());
  return () => {
    rr += 0.01 * mean * rng.normal();
    rr = Math.min(mean * 1.15, Math.max(mean * 0.85, rr));
    return rr * (1 + 0.02 * rng.normal());
  };
}

/** Regular rhythm with an ectopic beat of `morph` with probability p (at least every `maxGap` beats). */
function ectopic(rng: Rng, morph: Wave[], prematurity: number, p: number, pause: number, opts: { spike?: boolean } = {}): Rhythm {
  const sinus = sinusRR(rng, 0.8);
  let sinceEctopic = 0;
  let pauseNext = false;
  return {
    next: () => {
      const rr = sinus();
      if (pauseNext) {
        pauseNext = false;
        return { rr: rr * pause, waves: MORPH.normal };
      }
      sinceEctopic++;
      if (sinceEctopic >= 2 && (rng() < p || sinceEctopic > 4)) {
        sinceEctopic = 0;
        pauseNext = true;
        return { rr: rr * prematurity, waves: morph, spike: opts.spike };
      }
      return { rr, waves: MORPH.normal };
    },
  };
}

/** Every beat of one morphology at a drifting rate. */
function steady(rng: Rng, morph: Wave[], meanRR: number, spike = false): Rhythm {
  const sinus = sinusRR(rng, meanRR);
  return { next: () => ({ rr: sinus(), waves: morph, spike }) };
}

/** Repeating pattern: every `period`-th beat is a PVC (bigeminy 2, trigeminy 3). */
function patterned(rng: Rng, period: number): Rhythm {
  const sinus = sinusRR(rng, 0.8);
  let k = Math.floor(rng() * period);
  return {
    next: () => {
      k = (k + 1) % period;
      const rr = sinus();
      return k === 0 ? { rr: rr * 0.7, waves: MORPH.pvc } : { rr: k === 1 ? rr * 1.2 : rr, waves: MORPH.normal };
    },
  };
}

function atrialFibrillation(rng: Rng): Rhythm {
  const phases = [rng() * 2 * PI, rng() * 2 * PI, rng() * 2 * PI];
  return {
    next: () => ({ rr: 0.4 + 0.6 * rng(), waves: MORPH.noP }),
    // Fibrillatory f waves: a few incommensurate 5-8 Hz components.
    extra: (t) => 0.05 * Math.sin(2 * PI * 5.3 * t + phases[0]!) + 0.04 * Math.sin(2 * PI * 6.7 * t + phases[1]!) + 0.03 * Math.sin(2 * PI * 8.1 * t + phases[2]!),
  };
}

function atrialFlutter(rng: Rng): Rhythm {
  const ratio = 2 + rng.int(3);
  const phase = rng();
  return {
    next: () => ({ rr: (ratio / 5) * (1 + 0.01 * rng.normal()), waves: MORPH.noP }),
    // Saw-tooth F waves at 300/min.
    extra: (t) => {
      const x = (5 * t + phase) % 1;
      return -0.2 * (x - 0.5);
    },
  };
}

function secondDegreeBlock(rng: Rng): Rhythm {
  const sinus = sinusRR(rng, 0.75);
  let k = 0;
  const conducted = 2 + rng.int(2);
  return {
    next: () => {
      k = (k + 1) % (conducted + 1);
      return { rr: sinus(), waves: k === 0 ? MORPH.pOnly : MORPH.normal };
    },
  };
}

function ventricularFlutter(rng: Rng): Rhythm {
  const f = 3.8 + 0.8 * rng();
  const phase = rng() * 2 * PI;
  return {
    next: () => ({ rr: 0.8, waves: [] }),
    replace: (t) => 0.9 * Math.sin(2 * PI * f * t + phase + 0.3 * Math.sin(2 * PI * 0.2 * t)),
  };
}

/** Rhythms by class name: the AAMI5 classes, the 17 rhythm classes, and a palette for others. */
const RHYTHMS: Record<string, (rng: Rng) => Rhythm> = {
  N: (rng) => steady(rng, MORPH.normal, 0.8),
  S: (rng) => ectopic(rng, MORPH.apc, 0.65, 0.35, 1.05),
  V: (rng) => ectopic(rng, MORPH.pvc, 0.65, 0.35, 1.35),
  F: (rng) => ectopic(rng, MORPH.fusion, 0.92, 0.4, 1.05),
  Q: (rng) => ectopic(rng, MORPH.paced, 0.9, 0.45, 1.0, { spike: true }),
  NSR: (rng) => steady(rng, MORPH.normal, 0.8),
  APB: (rng) => ectopic(rng, MORPH.apc, 0.65, 0.35, 1.05),
  AFL: atrialFlutter,
  AFIB: atrialFibrillation,
  SVTA: (rng) => steady(rng, MORPH.noP, 0.38),
  WPW: (rng) => steady(rng, MORPH.wpw, 0.8),
  PVC: (rng) => ectopic(rng, MORPH.pvc, 0.65, 0.35, 1.35),
  Bigeminy: (rng) => patterned(rng, 2),
  Trigeminy: (rng) => patterned(rng, 3),
  VT: (rng) => steady(rng, MORPH.pvc, 0.4),
  IVR: (rng) => steady(rng, MORPH.pvc, 1.5),
  VFL: ventricularFlutter,
  Fusion: (rng) => ectopic(rng, MORPH.fusion, 0.92, 0.4, 1.05),
  LBBBB: (rng) => steady(rng, MORPH.lbbb, 0.8),
  RBBBB: (rng) => steady(rng, MORPH.rbbb, 0.8),
  SDHB: secondDegreeBlock,
  PR: (rng) => steady(rng, MORPH.paced, 0.85, true),
};
/** For class names without a model of their own, by class index. */
const PALETTE = ['NSR', 'PVC', 'APB', 'Fusion', 'PR', 'AFIB', 'LBBBB', 'RBBBB', 'VT', 'AFL', 'SDHB', 'WPW', 'IVR', 'VFL', 'Bigeminy', 'SVTA', 'Trigeminy'];

export function rhythmNameFor(className: string, classIndex: number): string {
  return RHYTHMS[className] ? className : PALETTE[classIndex % PALETTE.length]!;
}

const INTERNAL_STEPS = 4;

/** Generates `sampleCount` samples (raw ADC ints) of one class as one continuous record. */
export function syntheticRecord(rhythmName: string, sampleCount: number, seed: number, sampleRate = MITDB_SAMPLE_RATE): Int16Array {
  const make = RHYTHMS[rhythmName];
  if (!make) throw new RangeError(`no synthetic rhythm named '${rhythmName}'`);
  const rng = makeRng(seed);
  const rhythm = make(rng);
  const out = new Int16Array(sampleCount);
  const dt = 1 / (sampleRate * INTERNAL_STEPS);
  const respFreq = 0.15 + 0.2 * rng();
  const respAmp = 0.05 + 0.1 * rng();
  const respPhase = rng() * 2 * PI;
  const gain = 0.85 + 0.3 * rng();
  const noise = 0.015 + 0.015 * rng();
  // Start mid-beat and let the model settle for 2 s so windows do not all begin at an R peak.
  const warmup = Math.round(2 * sampleRate);
  let beat = rhythm.next();
  let a: number[] = [];
  let th: number[] = [];
  let b: number[] = [];
  const setBeat = (plan: BeatPlan): void => {
    const s = 0.8 / plan.rr;
    a = [];
    th = [];
    b = [];
    for (const wave of plan.waves) {
      const scale = wave.qrs ? s : Math.sqrt(s);
      const width = wave.width * scale;
      th.push(Math.max(-PI + 0.05, Math.min(PI - 0.05, wave.theta * scale)));
      b.push(width);
      a.push(wave.amp / (width * width));
    }
  };
  setBeat(beat);
  let theta = -PI + 2 * PI * rng();
  let z = 0;
  let spikeLeft = 0;
  for (let n = -warmup; n < sampleCount; n++) {
    for (let step = 0; step < INTERNAL_STEPS; step++) {
      const t = (n * INTERNAL_STEPS + step) * dt;
      const omega = (2 * PI) / beat.rr;
      const z0 = respAmp * Math.sin(2 * PI * respFreq * t + respPhase);
      let dz = -(z - z0);
      for (let i = 0; i < a.length; i++) {
        let d = theta - th[i]!;
        if (d < -PI) d += 2 * PI;
        else if (d >= PI) d -= 2 * PI;
        dz -= a[i]! * omega * d * Math.exp((-d * d) / (2 * b[i]! * b[i]!));
      }
      z += dz * dt;
      const before = theta;
      theta += omega * dt;
      // The pacing spike fires as the phase crosses just before the QRS.
      if (beat.spike && before < -0.12 && theta >= -0.12) spikeLeft = 2 * INTERNAL_STEPS;
      if (theta >= PI) {
        theta -= 2 * PI;
        beat = rhythm.next();
        setBeat(beat);
      }
    }
    if (n < 0) continue;
    const t = n / sampleRate;
    let mv = rhythm.replace ? rhythm.replace(t) + (respAmp * Math.sin(2 * PI * respFreq * t + respPhase)) : z;
    if (rhythm.extra) mv += rhythm.extra(t);
    if (spikeLeft > 0) {
      mv += 2.0;
      spikeLeft -= INTERNAL_STEPS;
    }
    mv = gain * mv + noise * rng.normal();
    const adu = Math.round(MITDB_ADC.baseline + MITDB_ADC.gain * mv);
    out[n] = Math.max(0, Math.min(2047, adu));
  }
  return out;
}

export interface SyntheticOptions {
  seed: number;
  /** Windows per class. */
  perClass: number;
  classes: string[];
  /** Samples per window; default 3600 (10 s at 360 Hz). */
  windowLength?: number;
  /** Task recorded in the header; default: rhythm17 when classes are the 17 rhythm classes, else aami5. */
  task?: DatasetTask;
}

/** A deterministic synthetic dataset: perClass windows of every class, class-major order. */
export function syntheticDataset(opts: SyntheticOptions): Dataset {
  const windowLength = opts.windowLength ?? 3600;
  const { perClass, classes, seed } = opts;
  if (!Number.isInteger(perClass) || perClass < 1) throw new RangeError(`perClass must be a positive integer, got ${perClass}`);
  if (classes.length < 1 || classes.length > 256) throw new RangeError(`need 1..256 classes, got ${classes.length}`);
  if (!Number.isInteger(windowLength) || windowLength < 1) throw new RangeError(`windowLength must be a positive integer, got ${windowLength}`);
  const count = perClass * classes.length;
  const samples = new Int16Array(count * windowLength);
  const labels = new Uint8Array(count);
  const records: string[] = [];
  const offsets = new Uint32Array(count);
  const seeder = makeRng(seed);
  const notes: string[] = [];
  classes.forEach((name, c) => {
    const rhythm = rhythmNameFor(name, c);
    if (rhythm !== name) notes.push(`class '${name}' uses synthetic rhythm '${rhythm}'`);
    const rec = syntheticRecord(rhythm, perClass * windowLength, seeder.int(2 ** 32));
    samples.set(rec, c * perClass * windowLength);
    for (let k = 0; k < perClass; k++) {
      const i = c * perClass + k;
      labels[i] = c;
      records.push(`syn-${name}`);
      offsets[i] = k * windowLength;
    }
  });
  const sameList = (a: readonly string[]): boolean => a.length === classes.length && a.every((x, i) => x === classes[i]);
  const task: DatasetTask = opts.task ?? (sameList(RHYTHM17_CLASSES) ? 'rhythm17' : 'aami5');
  return {
    header: {
      format: 'bitbeat-dataset',
      version: 1,
      task,
      source: 'synthetic',
      classes: [...classes],
      windowLength,
      sampleRate: MITDB_SAMPLE_RATE,
      count,
      lead: 'synthetic',
      adc: { ...MITDB_ADC },
      labelRule: `synthetic: each class is one continuous ECGSYN-style record of that class's rhythm (seed ${seed}, ${perClass} windows per class)`,
      excludedRecords: [],
      sourceChecksums: {},
      defaultSplit: { method: 'stratified', testFraction: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED },
      notes: sameList(AAMI5_CLASSES) || sameList(RHYTHM17_CLASSES) ? notes : [...notes, 'custom class list: `task` is nominal, `classes` is authoritative'],
      generator: `bitbeat ${BITBEAT_VERSION}`,
    },
    samples,
    labels,
    records,
    offsets,
  };
}

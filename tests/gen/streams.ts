/**
 * Drives a block with one input stream and one output stream through an interactive
 * simulation: the producer offers the next word with random valid (holding it until it
 * fires), the consumer takes words with random ready; a watchdog fails a stuck design.
 */
import type { SimInputs, Simulator } from '../../sim/index.ts';

export interface DriveOptions {
  inName?: string;
  outName?: string;
  /** probability the producer offers a word in a cycle */
  pValid?: number;
  /** probability the consumer is ready in a cycle */
  pReady?: number;
  rng: () => number;
  /** outputs to collect before stopping */
  expectOutputs: number;
  /** cycles without any transfer before the test fails */
  watchdog?: number;
  /** other inputs per cycle */
  extra?: (cycle: number) => SimInputs;
}

export interface DriveResult {
  outputs: bigint[];
  cycles: number;
  /** cycle of each input transfer and output transfer */
  inFires: number[];
  outFires: number[];
}

export async function driveStream(sim: Simulator, words: bigint[], o: DriveOptions): Promise<DriveResult> {
  const inName = o.inName ?? 'in';
  const outName = o.outName ?? 'out';
  const pValid = o.pValid ?? 0.7;
  const pReady = o.pReady ?? 0.7;
  const watchdog = o.watchdog ?? 20000;
  const session = await sim.open();
  const outputs: bigint[] = [];
  const inFires: number[] = [];
  const outFires: number[] = [];
  let next = 0;
  let idle = 0;
  let cycle = 0;
  try {
    while (outputs.length < o.expectOutputs) {
      const valid = next < words.length && o.rng() < pValid ? 1 : 0;
      const ready = o.rng() < pReady ? 1 : 0;
      const inputs: SimInputs = {
        [`${inName}_valid`]: valid,
        [`${inName}_payload`]: next < words.length ? words[next]! : 0n,
        [`${outName}_ready`]: ready,
        ...(o.extra ? o.extra(cycle) : {}),
      };
      const out = await session.step(inputs);
      let moved = false;
      if (valid && out[`${inName}_ready`] === 1n) {
        inFires.push(cycle);
        next++;
        moved = true;
      }
      if (ready && out[`${outName}_valid`] === 1n) {
        outputs.push(out[`${outName}_payload`]!);
        outFires.push(cycle);
        moved = true;
      }
      idle = moved ? 0 : idle + 1;
      if (idle > watchdog) throw new Error(`watchdog: no transfer for ${watchdog} cycles at cycle ${cycle} (${next}/${words.length} in, ${outputs.length}/${o.expectOutputs} out)`);
      cycle++;
    }
  } finally {
    session.close();
  }
  return { outputs, cycles: cycle, inFires, outFires };
}

/** Packs per-channel values (channel 0 in the low bits) into one payload word. */
export function packLanes(values: ArrayLike<number>, width: number): bigint {
  let v = 0n;
  const mask = (1n << BigInt(width)) - 1n;
  for (let i = values.length - 1; i >= 0; i--) v = (v << BigInt(width)) | (BigInt(values[i]!) & mask);
  return v;
}

/** Inverse of packLanes; `signed` reads two's complement lanes. */
export function unpackLanes(word: bigint, n: number, width: number, signed: boolean): number[] {
  const out: number[] = [];
  const mask = (1n << BigInt(width)) - 1n;
  for (let i = 0; i < n; i++) {
    let v = Number((word >> BigInt(i * width)) & mask);
    if (signed && v >= 2 ** (width - 1)) v -= 2 ** width;
    out.push(v);
  }
  return out;
}

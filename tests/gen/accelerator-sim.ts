/**
 * Runs a generated accelerator (with trace ports) in Verilator on raw windows and compares the
 * class and every traced stream with the integer reference (src/reference), under random
 * valid/ready on both ends and a liveness watchdog. Shared by the generator's end-to-end tests.
 */
import { expect } from 'vitest';
import type { TracePort } from '../../src/design/manifest.ts';
import type { Target } from '../../src/design/targets.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { Simulator } from '../../sim/index.ts';
import type { ResolvedFolding } from '../../hdl-gen/folding.ts';
import { buildDesign } from '../../hdl-gen/generate.ts';

function elements(word: bigint, port: TracePort, signed: boolean): number[] {
  const out: number[] = [];
  for (let j = 0; j < port.elementsPerBeat; j++) {
    const raw = (word >> BigInt(j * port.elementBits)) & ((1n << BigInt(port.elementBits)) - 1n);
    out.push(Number(signed ? BigInt.asIntN(port.elementBits, raw) : raw));
  }
  return out;
}

export interface AcceleratorRun {
  classes: number[];
  cycles: number;
  /** cycle each window's class appeared */
  classCycles: number[];
}

export async function runAccelerator(
  model: QModel,
  folding: ResolvedFolding,
  target: Target,
  windows: ArrayLike<number>[],
  rng: () => number,
  o: { pValid?: number; pReady?: number; name?: string } = {},
): Promise<AcceleratorRun> {
  const { top, trace } = buildDesign(model, folding, target, o.name ?? `acc_${model.name}`, { trace: true, allowOverBudget: true });
  const sim = await Simulator.build(top);
  const session = await sim.open();
  const samples = windows.flatMap((w) => Array.from(w));
  const streams = new Map<string, number[]>(trace.map((t) => [t.stream, []]));
  const classes: number[] = [];
  const classCycles: number[] = [];
  const pValid = o.pValid ?? 0.8;
  const pReady = o.pReady ?? 0.7;
  let next = 0;
  let idle = 0;
  let cycle = 0;
  // A class may legitimately come out before earlier stages have finished a window's tail
  // (positions no later output reads), so run until every traced stream is complete too.
  const complete = () =>
    classes.length >= windows.length && trace.every((t) => streams.get(t.stream)!.length >= t.elementsPerBeat * t.beatsPerWindow * windows.length);
  try {
    while (!complete()) {
      const valid = next < samples.length && rng() < pValid ? 1 : 0;
      const ready = rng() < pReady ? 1 : 0;
      const out = await session.step({ s_valid: valid, s_data: next < samples.length ? samples[next]! : 0, m_ready: ready });
      let moved = false;
      if (valid && out.s_ready === 1n) {
        next++;
        moved = true;
      }
      for (const t of trace) {
        if (out[t.validPort] === 1n) {
          streams.get(t.stream)!.push(...elements(out[t.dataPort]!, t, t.kind === 'z' || t.kind === 'logits'));
          moved = true;
        }
      }
      if (ready && out.m_valid === 1n) {
        classes.push(Number(out.m_class));
        classCycles.push(cycle);
        moved = true;
      }
      idle = moved ? 0 : idle + 1;
      if (idle > 200000) throw new Error(`watchdog: nothing moved for 200000 cycles at cycle ${cycle} (${next}/${samples.length} samples in, ${classes.length} classes out)`);
      cycle++;
    }
  } finally {
    session.close();
  }
  // compare with the reference, stream by stream and window by window
  const ref = compileReference(model);
  const traces = windows.map((w) => ref.trace(w));
  for (const t of trace) {
    const got = streams.get(t.stream)!;
    const per = t.elementsPerBeat * t.beatsPerWindow;
    expect(got.length, `${t.stream}: elements`).toBe(per * windows.length);
    traces.forEach((rt, w) => {
      const slice = got.slice(w * per, (w + 1) * per);
      let want: number[];
      if (t.kind === 'z') want = Array.from(rt.normalizer.z);
      else {
        const lt = rt.layers.find((l) => l.name === t.stream)!;
        want = t.kind === 'bits' ? Array.from(lt.bits!) : Array.from(lt.logits!);
      }
      expect(slice, `window ${w}, stream ${t.stream}`).toEqual(want);
    });
  }
  expect(classes).toEqual(traces.map((t) => t.classIndex));
  return { classes, cycles: cycle, classCycles };
}

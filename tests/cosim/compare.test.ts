/**
 * The comparison and measurement logic of cosimulation, without Verilator: harness captures
 * are built here from the reference's own traces (packed into beats by an independent BigInt
 * packer), then damaged on purpose.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRun, describeMismatch, mergeComparisons, streamSpecs } from '../../sim/cosim/compare.ts';
import { mainRunParts, partSeed, splitRanges } from '../../sim/cosim/cosim.ts';
import { traceElement, type CapturedPort, type HarnessOutput } from '../../sim/cosim/io.ts';
import { measureCycles, percentDiff } from '../../sim/cosim/timing.ts';
import { DesignManifestSchema, type DesignManifest, type TracePort } from '../../src/design/manifest.ts';
import { makeRng } from '../../src/data/rng.ts';
import { randomWindows } from '../../src/model/random.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { FIXTURE, fixtureModel } from './helpers.ts';

const manifest = (): DesignManifest => DesignManifestSchema.parse(JSON.parse(readFileSync(join(FIXTURE, 'manifest.json'), 'utf8')));

/** Packs elements into beats exactly as the trace-port contract says (BigInt, independent of io.ts). */
function pack(port: Pick<TracePort, 'elementBits' | 'elementsPerBeat'>, elements: number[]): CapturedPort {
  const bytesPerBeat = Math.ceil((port.elementBits * port.elementsPerBeat) / 8);
  const beats = Math.ceil(elements.length / port.elementsPerBeat);
  const data = Buffer.alloc(beats * bytesPerBeat);
  for (let b = 0; b < beats; b++) {
    let v = 0n;
    for (let j = 0; j < port.elementsPerBeat; j++) {
      const e = BigInt(elements[b * port.elementsPerBeat + j] ?? 0);
      v |= BigInt.asUintN(port.elementBits, e) << BigInt(j * port.elementBits);
    }
    for (let k = 0; k < bytesPerBeat; k++) data[b * bytesPerBeat + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  }
  return { beats, bytesPerBeat, data };
}

describe('traceElement', () => {
  it('reads signed and unsigned elements that straddle bytes', () => {
    const port = { elementBits: 5, elementsPerBeat: 3 };
    const values = [-16, 15, -1, 7, 0, -9];
    const cap = pack(port, values);
    values.forEach((v, i) => expect(traceElement(cap, i, 5, 3, true)).toBe(v));
    values.forEach((v, i) => expect(traceElement(cap, i, 5, 3, false)).toBe(v & 31));
  });

  it('reads single bits and wide (40-bit) elements', () => {
    const bits = [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1];
    const cap = pack({ elementBits: 1, elementsPerBeat: 4 }, bits);
    expect(cap.bytesPerBeat).toBe(1);
    bits.forEach((v, i) => expect(traceElement(cap, i, 1, 4, false)).toBe(v));
    const wide = [-(2 ** 39), 2 ** 39 - 1, -123456789012, 987654321];
    const capW = pack({ elementBits: 40, elementsPerBeat: 2 }, wide);
    wide.forEach((v, i) => expect(traceElement(capW, i, 40, 2, true)).toBe(v));
  });
});

describe('streamSpecs', () => {
  it('matches the fixture trace ports to the reference streams, in pipeline order', () => {
    const specs = streamSpecs(fixtureModel(), manifest());
    expect(specs.map((s) => `${s.port.stream}/${s.port.kind}:${s.elementsPerWindow}`)).toEqual(['normalizer/z:32', 'conv0/preact:3', 'conv0/logits:3']);
  });

  it('rejects ports that cannot match the model', () => {
    const model = fixtureModel();
    const m = manifest();
    const bad = (edit: (t: TracePort[]) => void, msg: RegExp) => {
      const copy = structuredClone(m);
      edit(copy.trace!);
      expect(() => streamSpecs(model, copy)).toThrow(msg);
    };
    bad((t) => (t[0]!.beatsPerWindow = 31), /31 beats x 1 elements = 31 per window, but the reference stream has 32/);
    bad((t) => (t[1]!.stream = 'conv9'), /has no layer 'conv9'/);
    bad((t) => (t[1]!.kind = 'bits'), /outputs logits, not bits/);
    bad((t) => (t[0]!.stream = 'conv0'), /kind z belongs to stream 'normalizer'/);
  });
});

describe('compareRun', () => {
  const model = fixtureModel();
  const ref = compileReference(model);
  const m = manifest();
  const specs = streamSpecs(model, m);
  const windows = randomWindows(makeRng(3), model, 6);

  /** A perfect capture: the reference's own streams, packed per the manifest. */
  function perfect(ws: readonly Int16Array[] = windows): HarnessOutput {
    const traces = ws.map((w) => ref.trace(w));
    const ports = m.trace!.map((port) => {
      const spec = specs.find((s) => s.port === port) ?? specs.find((s) => s.port.dataPort === port.dataPort)!;
      return pack(port, traces.flatMap((t) => Array.from(spec.expected(t))));
    });
    return {
      windows: ws.length,
      cycles: 1000,
      classes: Int32Array.from(traces.map((t) => t.classIndex)),
      timing: traces.map((_, i) => ({ lastAccept: 32 * i + 31, classValid: 32 * i + 34, classFire: 32 * i + 34 })),
      ports,
    };
  }

  it('finds no mismatch in a perfect capture and counts every element', () => {
    const c = compareRun(ref, specs, windows, perfect());
    expect(c).toMatchObject({ mismatchedWindows: 0, classMismatches: 0, elementMismatches: 0, firstMismatch: null });
    expect(c.streams.map((s) => s.elements)).toEqual([32 * 6, 3 * 6, 3 * 6]);
  });

  it('names the first wrong element: window, stream, position, channel, expected, actual', () => {
    const out = perfect();
    const pre = out.ports[1]!; // conv0/preact: 3 x 16-bit elements per beat, one beat per window
    const expected = traceElement(pre, 2 * 3 + 1, 16, 3, true);
    pre.data.writeInt16LE(expected + 5, 2 * pre.bytesPerBeat + 2); // window 2, channel 1
    const c = compareRun(ref, specs, windows, out);
    expect(c.mismatchedWindows).toBe(1);
    expect(c.elementMismatches).toBe(1);
    expect(c.firstMismatch).toEqual({ run: 'main', window: 2, stream: 'conv0', kind: 'preact', layerIndex: 0, element: 1, position: 0, channel: 1, expected, actual: expected + 5 });
    expect(describeMismatch(c.firstMismatch!)).toBe(`window 2, layer conv0 (preact, layer index 0), position 0, channel 1: expected ${expected}, actual ${expected + 5}`);
    expect(c.streams.map((s) => s.mismatches)).toEqual([0, 1, 0]);
  });

  it('orders by pipeline: a normalizer error comes before a later layer in the same window', () => {
    const out = perfect();
    out.ports[2]!.data[3 * out.ports[2]!.bytesPerBeat] ^= 1; // logits, window 3
    out.ports[0]!.data[3 * 32 + 7] ^= 4; // z, window 3, sample 7
    const c = compareRun(ref, specs, windows, out);
    expect(c.firstMismatch).toMatchObject({ window: 3, stream: 'normalizer', kind: 'z', position: 7, channel: 0 });
    expect(c.mismatchedWindows).toBe(1);
  });

  it('reports a stream that ends early, an extra beat and a wrong class', () => {
    const short = perfect();
    short.ports[0] = { ...short.ports[0]!, beats: 32 * 6 - 1 };
    expect(compareRun(ref, specs, windows, short).firstMismatch).toMatchObject({ window: 5, stream: 'normalizer', position: 31, actual: null });

    const long = perfect();
    const p = long.ports[1]!;
    long.ports[1] = { beats: p.beats + 1, bytesPerBeat: p.bytesPerBeat, data: Buffer.concat([p.data, Buffer.alloc(p.bytesPerBeat)]) };
    const cl = compareRun(ref, specs, windows, long);
    expect(cl.firstMismatch).toMatchObject({ window: 5, stream: 'conv0', kind: 'preact', element: 3, expected: null, actual: 0 });
    expect(cl.mismatchedWindows).toBe(1);

    const cls = perfect();
    cls.classes[4] = (cls.classes[4]! + 1) % 3;
    const cc = compareRun(ref, specs, windows, cls, 'timing');
    expect(cc).toMatchObject({ classMismatches: 1, elementMismatches: 0, mismatchedWindows: 1 });
    expect(describeMismatch(cc.firstMismatch!)).toMatch(/^timing run window 4, final class: expected \d, actual \d$/);
  });
});

describe('a main run split into parts', () => {
  const model = fixtureModel();
  const ref = compileReference(model);
  const m = manifest();
  const specs = streamSpecs(model, m);
  const windows = randomWindows(makeRng(5), model, 7);

  function capture(ws: readonly Int16Array[]): HarnessOutput {
    const traces = ws.map((w) => ref.trace(w));
    const ports = m.trace!.map((port) => {
      const spec = specs.find((s) => s.port.dataPort === port.dataPort)!;
      return pack(port, traces.flatMap((t) => Array.from(spec.expected(t))));
    });
    return { windows: ws.length, cycles: 100, classes: Int32Array.from(traces.map((t) => t.classIndex)), timing: [], ports };
  }

  it('compares each part at its window offset and merges to what one run gives', () => {
    const parts = splitRanges(windows.length, 2);
    expect(parts).toEqual([{ start: 0, end: 4 }, { start: 4, end: 7 }]);
    const outs = parts.map((r) => capture(windows.slice(r.start, r.end)));
    const clean = mergeComparisons(parts.map((r, p) => compareRun(ref, specs, windows.slice(r.start, r.end), outs[p]!, 'main', r.start)));
    expect(clean).toEqual(compareRun(ref, specs, windows, capture(windows)));
    // damage window 1 of the second part (window 5 overall) and the class of window 2
    outs[1]!.ports[0]!.data[32 + 3] ^= 2;
    outs[0]!.classes[2] = (outs[0]!.classes[2]! + 1) % 3;
    const bad = mergeComparisons(parts.map((r, p) => compareRun(ref, specs, windows.slice(r.start, r.end), outs[p]!, 'main', r.start)));
    expect(bad).toMatchObject({ mismatchedWindows: 2, classMismatches: 1, elementMismatches: 1 });
    expect(bad.firstMismatch).toMatchObject({ window: 2, kind: 'class' });
    expect(bad.streams.map((s) => [s.elements, s.mismatches])).toEqual([[32 * 7, 1], [3 * 7, 0], [3 * 7, 0]]);
    const second = compareRun(ref, specs, windows.slice(4), outs[1]!, 'main', 4);
    expect(second.firstMismatch).toMatchObject({ window: 5, stream: 'normalizer', position: 3 });
  });

  it('splits by the window count alone: even part counts of about 200 windows, one part for a VCD or few windows', () => {
    expect(mainRunParts(7, false)).toBe(1);
    expect(mainRunParts(8, false)).toBe(2);
    expect(mainRunParts(36, false)).toBe(2);
    expect(mainRunParts(1583, false)).toBe(8);
    expect(mainRunParts(1583, true)).toBe(1);
    const ranges = splitRanges(1583, 8);
    expect(ranges[0]).toEqual({ start: 0, end: 198 });
    expect(ranges.at(-1)!.end).toBe(1583);
    expect(ranges.every((r, i) => i === 0 || r.start === ranges[i - 1]!.end)).toBe(true);
    expect(Math.max(...ranges.map((r) => r.end - r.start)) - Math.min(...ranges.map((r) => r.end - r.start))).toBeLessThanOrEqual(1);
    expect(partSeed(7, 0)).toBe(7);
    expect(new Set([0, 1, 2, 3].map((p) => partSeed(7, p))).size).toBe(4);
  });
});

describe('measureCycles', () => {
  it('averages the steady-state class interval after the fill and takes window 0 latency', () => {
    const fires = [100, 140, 175, 205, 235, 265, 295];
    const timing = fires.map((f, i) => ({ lastAccept: i === 0 ? 90 : f - 10, classValid: f - (i === 0 ? 2 : 0), classFire: f }));
    expect(measureCycles(timing)).toEqual({ cyclesPerWindow: 30, latencyCycles: 8 });
    expect(percentDiff(31.5, 30)).toBe(5);
    expect(percentDiff(3, 0)).toBeNull();
  });
});

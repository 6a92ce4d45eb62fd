/**
 * Bit-for-bit comparison of what a design produced (classes and trace ports) with the integer
 * reference model (src/reference), window by window.
 */
import { UserError } from '../../src/cli/errors.ts';
import type { DesignManifest, TracePort } from '../../src/design/manifest.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import type { Reference } from '../../src/reference/compile.ts';
import type { ReferenceTrace } from '../../src/reference/trace.ts';
import { traceElement, type HarnessOutput } from './io.ts';
import type { CosimMismatch, CosimStreamSummary } from './result.ts';

/** A trace port matched with the reference stream it must reproduce. */
export interface StreamSpec {
  port: TracePort;
  /** index of the port in manifest.trace (= in the harness output) */
  portIndex: number;
  /** model layer index, null for the normalizer */
  layerIndex: number | null;
  channels: number;
  elementsPerWindow: number;
  signed: boolean;
  /** pipeline order: normalizer, then layers; within a layer preact, bits, logits */
  order: number;
  expected(t: ReferenceTrace): ArrayLike<number>;
}

const KIND_ORDER = { z: 0, preact: 1, bits: 2, logits: 3 } as const;

/** Matches every trace port of the manifest to its reference stream; throws when they cannot agree. */
export function streamSpecs(model: QModel, manifest: DesignManifest): StreamSpec[] {
  const shapes = layerShapes(model);
  const specs = (manifest.trace ?? []).map((port, portIndex): StreamSpec => {
    const where = `manifest trace ${port.stream}/${port.kind}`;
    const bad = (what: string): never => {
      throw new UserError(`${where}: ${what}; regenerate the design from this model`);
    };
    let spec: Omit<StreamSpec, 'port' | 'portIndex' | 'elementsPerWindow' | 'signed'> & { elements: number };
    if (port.kind === 'z') {
      if (port.stream !== 'normalizer') bad(`kind z belongs to stream 'normalizer'`);
      spec = { layerIndex: null, channels: 1, elements: model.input.length, order: -1, expected: (t) => t.normalizer.z };
    } else {
      const index = model.layers.findIndex((l) => l.name === port.stream);
      if (index < 0) bad(`model '${model.name}' has no layer '${port.stream}' (layers: ${model.layers.map((l) => l.name).join(', ')})`);
      const shape = shapes[index]!;
      const isLogits = model.layers[index]!.out.kind === 'logits';
      const order = index * 4 + KIND_ORDER[port.kind];
      const channels = shape.outChannels;
      if (port.kind === 'preact') {
        spec = { layerIndex: index, channels, elements: shape.outLength * channels, order, expected: (t) => t.layers[index]!.preact };
      } else if (port.kind === 'bits') {
        if (isLogits) bad(`layer '${port.stream}' outputs logits, not bits`);
        spec = { layerIndex: index, channels, elements: shape.outLength * channels, order, expected: (t) => t.layers[index]!.bits! };
      } else {
        if (!isLogits) bad(`layer '${port.stream}' outputs bits, not logits`);
        spec = { layerIndex: index, channels, elements: channels, order, expected: (t) => t.layers[index]!.logits! };
      }
    }
    const perWindow = port.beatsPerWindow * port.elementsPerBeat;
    if (perWindow !== spec.elements) bad(`${port.beatsPerWindow} beats x ${port.elementsPerBeat} elements = ${perWindow} per window, but the reference stream has ${spec.elements}`);
    const { elements, ...rest } = spec;
    return { ...rest, port, portIndex, elementsPerWindow: elements, signed: port.kind !== 'bits' };
  });
  return specs.sort((a, b) => a.order - b.order || a.portIndex - b.portIndex);
}

export interface Comparison {
  /** windows with any difference */
  mismatchedWindows: number;
  classMismatches: number;
  elementMismatches: number;
  firstMismatch: CosimMismatch | null;
  streams: CosimStreamSummary[];
}

/**
 * Compares one run's capture with the reference on `windows` (the windows the run streamed,
 * in order; mismatches name window windowOffset + i, for a run that streamed a part of a
 * longer window list). Every element of every trace stream is compared; the first mismatch is the
 * earliest window, then the earliest stream in pipeline order, then the earliest element, so
 * it names the layer where the design first goes wrong.
 */
export function compareRun(ref: Reference, specs: StreamSpec[], windows: readonly ArrayLike<number>[], out: HarnessOutput, run: CosimMismatch['run'] = 'main', windowOffset = 0): Comparison {
  const streams: CosimStreamSummary[] = specs.map((s) => ({ stream: s.port.stream, kind: s.port.kind, elementsPerWindow: s.elementsPerWindow, elements: 0, mismatches: 0 }));
  let mismatchedWindows = 0;
  let classMismatches = 0;
  let elementMismatches = 0;
  let firstMismatch: CosimMismatch | null = null;
  let lastWindowBad = false;
  const note = (m: CosimMismatch): void => {
    if (!firstMismatch) firstMismatch = m;
  };
  windows.forEach((w, wi) => {
    const trace = ref.trace(w);
    let bad = false;
    specs.forEach((s, si) => {
      const port = out.ports[s.portIndex]!;
      const available = port.beats * s.port.elementsPerBeat;
      const expected = s.expected(trace);
      const base = wi * s.elementsPerWindow;
      const base2 = { run, window: windowOffset + wi, stream: s.port.stream, kind: s.port.kind, layerIndex: s.layerIndex } as const;
      for (let e = 0; e < s.elementsPerWindow; e++) {
        const want = expected[e]!;
        const got = base + e < available ? traceElement(port, base + e, s.port.elementBits, s.port.elementsPerBeat, s.signed) : null;
        if (got !== want) {
          streams[si]!.mismatches++;
          elementMismatches++;
          bad = true;
          note({ ...base2, element: e, position: Math.floor(e / s.channels), channel: e % s.channels, expected: want, actual: got });
        }
      }
      streams[si]!.elements += s.elementsPerWindow;
    });
    if (out.classes[wi] !== trace.classIndex) {
      classMismatches++;
      bad = true;
      note({ run, window: windowOffset + wi, stream: 'class', kind: 'class', layerIndex: null, element: null, position: null, channel: null, expected: trace.classIndex, actual: out.classes[wi]! });
    }
    if (bad) mismatchedWindows++;
    if (wi === windows.length - 1) lastWindowBad = bad;
  });
  // Beats beyond the last window's stream: the design produced more than the reference has.
  // They count against the last window (its stream did not end where it should).
  let extraBeats = false;
  specs.forEach((s, si) => {
    const port = out.ports[s.portIndex]!;
    const end = windows.length * s.elementsPerWindow;
    if (windows.length === 0 || port.beats * s.port.elementsPerBeat <= end) return;
    streams[si]!.mismatches++;
    elementMismatches++;
    extraBeats = true;
    const e = s.elementsPerWindow; // first element past the last window's stream
    const actual = traceElement(port, end, s.port.elementBits, s.port.elementsPerBeat, s.signed);
    note({ run, window: windowOffset + windows.length - 1, stream: s.port.stream, kind: s.port.kind, layerIndex: s.layerIndex, element: e, position: Math.floor(e / s.channels), channel: e % s.channels, expected: null, actual });
  });
  if (extraBeats && !lastWindowBad) mismatchedWindows++;
  return { mismatchedWindows, classMismatches, elementMismatches, firstMismatch, streams };
}

/** The comparison of a run split into consecutive parts (compared in order, with their window offsets). */
export function mergeComparisons(parts: readonly Comparison[]): Comparison {
  if (parts.length === 0) throw new RangeError('mergeComparisons: no parts');
  return {
    mismatchedWindows: parts.reduce((a, c) => a + c.mismatchedWindows, 0),
    classMismatches: parts.reduce((a, c) => a + c.classMismatches, 0),
    elementMismatches: parts.reduce((a, c) => a + c.elementMismatches, 0),
    // parts are in window order, so the first part with a mismatch has the earliest one
    firstMismatch: parts.find((c) => c.firstMismatch)?.firstMismatch ?? null,
    streams: parts[0]!.streams.map((s, i) => ({
      ...s,
      elements: parts.reduce((a, c) => a + c.streams[i]!.elements, 0),
      mismatches: parts.reduce((a, c) => a + c.streams[i]!.mismatches, 0),
    })),
  };
}

/** One line for a mismatch, e.g. "window 3, layer conv1 (bits), position 17, channel 5: expected 1, actual 0". */
export function describeMismatch(m: CosimMismatch): string {
  const show = (v: number | null, none: string): string => (v === null ? none : String(v));
  const win = `${m.run === 'timing' ? 'timing run ' : ''}window ${m.window}`;
  if (m.kind === 'class') return `${win}, final class: expected ${m.expected}, actual ${m.actual}`;
  const what = m.stream === 'normalizer' ? 'normalizer (z)' : `layer ${m.stream} (${m.kind}${m.layerIndex !== null ? `, layer index ${m.layerIndex}` : ''})`;
  return `${win}, ${what}, position ${m.position}, channel ${m.channel}: expected ${show(m.expected, 'nothing (extra beat)')}, actual ${show(m.actual, 'nothing (stream ended)')}`;
}

/**
 * The integer reference model: what the accelerator computes, exactly, for one raw window.
 *
 *   raw ADC window -> normalizer (fixed point, normalizer.ts) -> z
 *   layer 1: z x ±1 weights (add/subtract) -> integer pre-activations
 *   binary layers: packed bits, XNOR + popcount -> integer pre-activations
 *   each layer: max-pool on integers (or on bits where the function is monotone),
 *   then the folded bit function, or for the last layer the integer logits
 *   -> argmax, ties to the lowest index.
 *
 * compileReference() allocates every buffer once; classify() then allocates nothing.
 */
import type { Layer, QModel } from '../model/qmodel.ts';
import { normalizeWindow, zscoreStats } from '../model/normalizer.ts';
import { layerShapes, type LayerShape } from '../model/shapes.ts';
import { BinaryConvKernel, IntConvKernel, type KernelGeometry } from './kernels.ts';
import { argmax, BinaryStage, LogitStage, type BitSink } from './output.ts';
import type { LayerTrace, ReferenceTrace } from './trace.ts';

export interface ReferenceOptions {
  /**
   * 'int' (default): max-pool the integers, then apply each channel's function.
   * 'bits': where a channel's function is monotone (ge, le, const), apply it at every conv
   * position and pool the bits (OR / AND), as hardware may; other channels pool integers.
   * Both give identical outputs (tested); 'bits' exists to check that equivalence.
   */
  pooling?: 'int' | 'bits';
  /**
   * true (default): run the fast kernels (per-model generated JavaScript, codegen.ts, and the
   * WebAssembly popcount kernel, wasm.ts); false: the generic loops. Both give identical
   * results (tested); false exists to check that.
   */
  specialize?: boolean;
}

export interface Reference {
  readonly model: QModel;
  readonly shapes: LayerShape[];
  /** class index of one raw window (input.length samples) */
  classify(window: ArrayLike<number>): number;
  /** writes the logits of one window into `out` (length classes) and returns the class index */
  logitsInto(window: ArrayLike<number>, out: Float64Array): number;
  /** a fresh copy of the logits of one window */
  logits(window: ArrayLike<number>): Float64Array;
  /** every layer's streams for one window (slower; allocates) */
  trace(window: ArrayLike<number>): ReferenceTrace;
}

type Kernel = IntConvKernel | BinaryConvKernel;

interface CompiledLayer {
  layer: Layer;
  shape: LayerShape;
  kernel: Kernel;
  stage: BinaryStage | LogitStage;
}

function geometry(layer: Layer, shape: LayerShape): KernelGeometry {
  if (layer.kind === 'conv') {
    return {
      layerIndex: shape.index,
      inLength: shape.inLength,
      inChannels: layer.inChannels,
      outChannels: layer.outChannels,
      kernel: layer.kernel,
      stride: layer.stride,
      padLeft: layer.pad.left,
      padRight: layer.pad.right,
      padValue: layer.pad.value,
      convLength: shape.convLength,
      weights: layer.weights,
    };
  }
  // A dense layer on the position-major flattened input is a conv whose kernel spans the input.
  return {
    layerIndex: shape.index,
    inLength: shape.inLength,
    inChannels: shape.inChannels,
    outChannels: layer.outFeatures,
    kernel: shape.inLength,
    stride: 1,
    padLeft: 0,
    padRight: 0,
    padValue: 0,
    convLength: 1,
    weights: layer.weights,
  };
}

/** Compiles a validated model (parseModel / loadModel) into a fast integer reference. */
export function compileReference(model: QModel, opts: ReferenceOptions = {}): Reference {
  const bitPooling = (opts.pooling ?? 'int') === 'bits';
  const specialize = opts.specialize ?? true;
  const shapes = layerShapes(model);
  const kernels: Kernel[] = model.layers.map((layer, i) => {
    const g = geometry(layer, shapes[i]!);
    return i === 0 ? new IntConvKernel(g, specialize) : new BinaryConvKernel(g, specialize);
  });
  const layers: CompiledLayer[] = model.layers.map((layer, i) => {
    const shape = shapes[i]!;
    const outGeom = { layerIndex: i, preact: shape.preact, outLength: shape.outLength, channels: shape.outChannels, pool: layer.kind === 'conv' ? layer.pool : null };
    let stage: BinaryStage | LogitStage;
    if (layer.out.kind === 'logits') {
      stage = new LogitStage(outGeom, layer.out);
    } else {
      const next = kernels[i + 1] as BinaryConvKernel;
      const sink: BitSink = { words: next.input, offset: next.g.padLeft * next.g.inChannels };
      stage = new BinaryStage(outGeom, layer.out, kernels[i]!.conv, sink, bitPooling, specialize);
    }
    return { layer, shape, kernel: kernels[i]!, stage };
  });
  const first = kernels[0] as IntConvKernel;
  const z = first.realInput();
  const n = model.input.length;
  const sampleMax = 2 ** (model.input.sampleBits - 1) - 1;
  const sampleMin = -(2 ** (model.input.sampleBits - 1));
  const scratch = new Float64Array(model.classes.length);

  const checkWindow = (w: ArrayLike<number>): void => {
    if (w.length !== n) throw new RangeError(`reference: window has ${w.length} samples, model '${model.name}' expects ${n}`);
    for (let i = 0; i < n; i++) {
      const v = w[i]!;
      if (!(v >= sampleMin && v <= sampleMax) || v !== Math.floor(v)) {
        throw new RangeError(`reference: sample ${i} = ${v} is not a ${model.input.sampleBits}-bit signed integer`);
      }
    }
  };

  const run = (w: ArrayLike<number>, out: Float64Array, traces: LayerTrace[] | null): number => {
    checkWindow(w);
    normalizeWindow(w, model.normalizer, z);
    for (let i = 0; i < layers.length; i++) {
      const L = layers[i]!;
      const next = kernels[i + 1];
      if (next) (next as BinaryConvKernel).reset();
      L.kernel.run();
      const t = traces ? traces[i]! : null;
      if (t) t.convPreact.set(L.kernel.conv);
      if (L.stage instanceof LogitStage) L.stage.emit(L.kernel.conv, out, t);
      else L.stage.emit(t);
    }
    return argmax(out);
  };

  return {
    model,
    shapes,
    classify: (w) => run(w, scratch, null),
    logitsInto: (w, out) => {
      if (out.length !== model.classes.length) throw new RangeError(`reference: logits buffer has ${out.length} entries, expected ${model.classes.length}`);
      return run(w, out, null);
    },
    logits: (w) => {
      const out = new Float64Array(model.classes.length);
      run(w, out, null);
      return out;
    },
    trace: (w) => {
      const traces: LayerTrace[] = layers.map(({ layer, shape }, index) => {
        const len = shape.outLength * shape.outChannels;
        const isLogits = layer.out.kind === 'logits';
        return {
          index,
          name: layer.name,
          kind: layer.kind,
          convLength: shape.convLength,
          length: shape.outLength,
          channels: shape.outChannels,
          convPreact: new Int32Array(shape.convLength * shape.outChannels),
          preact: new Int32Array(len),
          bits: isLogits ? null : new Uint8Array(len),
          values: isLogits ? new Float64Array(len) : null,
          logits: isLogits ? new Float64Array(shape.outChannels) : null,
        };
      });
      const logits = new Float64Array(model.classes.length);
      const classIndex = run(w, logits, traces);
      const nz = model.normalizer;
      const stats = nz.kind === 'zscore' ? zscoreStats(w, nz) : null;
      return {
        normalizer: { z: z.slice(), mean: stats?.mean ?? null, sdN: stats?.sdN ?? null, recip: stats?.recip ?? null },
        layers: traces,
        logits,
        classIndex,
      };
    },
  };
}

/**
 * The accelerator's top level: the narrow streaming interface of the design manifest
 *   clk, rst, s_valid, s_ready, s_data[sampleBits-1:0] (raw signed samples),
 *   m_valid, m_ready, m_class[classBits-1:0]           (one class per window)
 * and, in between, normalizer -> engine per layer, joined by valid/ready streams (each
 * engine's output is a register, each input a line buffer, so no FIFO is needed).
 *
 * Trace option (simulation builds): every stage's output stream is also driven onto
 * `trace_<stream>_valid` (high on each transfer) and `trace_<stream>_data`, described in the
 * manifest's `trace` list (src/design/manifest.ts): the normalizer's z (1 element per beat),
 * each binary layer's pooled bits (one position, all channels, per beat: the reference's
 * position-major order), and the logits layer's logits (one channel per beat, channel order).
 * Trace ports only observe; they never stall the design.
 */
import { cat, Module, type Stream } from '../src/hdl/index.ts';
import { checkIdentifier } from '../src/hdl/names.ts';
import type { TracePort } from '../src/design/manifest.ts';
import type { Target } from '../src/design/targets.ts';
import type { QModel } from '../src/model/qmodel.ts';
import type { LayerShape } from '../src/model/shapes.ts';
import type { ResolvedFolding, WeightStorage } from './folding.ts';
import { buildEngine } from './engine.ts';
import { narrowLinks } from './link.ts';
import { buildNormalizer } from './blocks/normalizer.ts';
import { logitMultipliersFor } from './blocks/logits.ts';
import { counterBits } from './widths.ts';

export interface TopOptions {
  model: QModel;
  shapes: LayerShape[];
  folding: ResolvedFolding;
  /** per layer, resolved */
  weightStorage: WeightStorage[];
  normalizerBuffers: 1 | 2;
  normalizerStorage: 'spram' | 'bram';
  target: Target;
  /** Verilog identifier used as the top module's name and every module's prefix */
  name: string;
  trace: boolean;
}

/** A Verilog-safe identifier from any name (no reserved word, no '__', which Verilator reserves). */
export function identifier(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_');
  if (!/^[A-Za-z]/.test(s)) s = `d_${s}`.replace(/_+/g, '_');
  try {
    checkIdentifier(s, 'name');
  } catch {
    s = `bb_${s}`;
  }
  return s;
}

export function classBits(model: QModel): number {
  return counterBits(model.classes.length);
}

/**
 * A full register slice (output register plus skid register): `source` sees ready = not
 * skid-full, the returned stream a registered valid and payload; one word per cycle at full
 * rate, one cycle of latency. A word arriving while the output register is held goes to the
 * skid, which refills the output register first.
 */
function registerSlice(m: Module, name: string, source: Stream): Stream {
  const out = m.stream(name, source.width);
  const valid = m.reg(`${name}_v`, 1, { reset: 0 });
  const data = m.reg(`${name}_d`, source.width, { reset: null });
  const skidFull = m.reg(`${name}_skid_full`, 1, { reset: 0 });
  const skidData = m.reg(`${name}_skid_data`, source.width, { reset: null });
  out.valid.set(valid);
  out.payload.set(data);
  source.ready.set(skidFull.not());
  const take = source.valid.and(skidFull.not());
  m.If(valid.not().or(out.ready), () => {
    valid.set(skidFull.or(source.valid));
    data.set(skidFull.select(skidData, source.payload.asUnsigned()));
    skidFull.set(0);
  }).Elif(take, () => {
    skidFull.set(1);
    skidData.set(source.payload.asUnsigned());
  });
  return out;
}

export function buildTop(o: TopOptions): { module: Module; trace: TracePort[] } {
  const { model } = o;
  const B = model.input.sampleBits;
  const top = new Module(o.name, {
    description: `bitbeat accelerator for model '${model.name}' on ${o.target.name}`,
    source: `bitbeat generate (model ${model.name})`,
    params: { target: o.target.name, folding: o.folding.layers.map((f) => `${f.layer}:${f.pe}x${f.simd}`).join(' '), trace: o.trace },
  });
  const sValid = top.input('s_valid', 1);
  const sReady = top.output('s_ready', 1);
  const sData = top.input('s_data', B, { signed: true });
  const mValid = top.output('m_valid', 1);
  const mReady = top.input('m_ready', 1);
  const mClass = top.output('m_class', classBits(model));
  const trace: TracePort[] = [];
  const tap = (stream: Stream, name: string, kind: TracePort['kind'], elementBits: number, elementsPerBeat: number, beatsPerWindow: number) => {
    if (!o.trace) return;
    const id = identifier(name);
    top.output(`trace_${id}_valid`, 1).set(stream.fire);
    top.output(`trace_${id}_data`, stream.width).set(stream.payload.asUnsigned());
    trace.push({ stream: name, kind, validPort: `trace_${id}_valid`, dataPort: `trace_${id}_data`, elementBits, elementsPerBeat, beatsPerWindow });
  };

  // samples per beat from the normalizer's pass 2 into layer 1 (folding inputLanes)
  const lanes = o.folding.inputLanes ?? 1;
  const norm = top.instance(
    'normalizer',
    buildNormalizer({
      normalizer: model.normalizer,
      n: model.input.length,
      sampleBits: B,
      buffers: o.normalizerBuffers,
      bufferStorage: o.normalizerStorage,
      multipliers: o.target.resources.dsp > 0 ? 'dsp' : 'logic',
      // U1^2 in DSPs, signed pass-2 product: measured on the iCE40 UP5K only; ECP5 designs stay unchanged
      statsSquareDsp: o.target.family === 'ice40',
      scaleSignedDsp: o.target.family === 'ice40',
      // one address counter per window buffer: measured on iCE40; ECP5 designs stay unchanged
      bufferCounters: o.target.family === 'ice40',
      // U2 accumulated in the square's DSP (one buffer only): measured on the UP5K; ECP5 unchanged
      accumulateDsp: o.target.family === 'ice40',
      ...(lanes > 1 ? { lanes } : {}),
      name: `${o.name}_normalizer`,
    }),
  );
  const nin = norm.stream('in');
  nin.payload.set(sData);
  nin.valid.set(sValid);
  sReady.set(nin.ready);
  // A register slice with a skid between the normalizer and layer 1: both its ready and its
  // valid come from flip-flops. Without it layer 1's line buffer's ready (its loader's counter
  // compare) ran through the normalizer's pass-2 read issue into the buffer memory's chip
  // select, one 37 ns path on the UP5K. One cycle of latency (estimate.ts: LAYER1_SLICE_CYCLES).
  let prev: Stream = registerSlice(top, 'z_slice', norm.stream('out'));
  // several lanes: a beat holds `lanes` z values; traced only when they fill every beat (the
  // trace format has no partial beats)
  if (model.input.length % lanes === 0) tap(prev, 'normalizer', 'z', model.normalizer.outBits, lanes, model.input.length / lanes);

  // iCE40: a fold-serial pool into a RAM line buffer sends it sub-blocks (link.ts)
  const links = narrowLinks(model, o.shapes, o.folding.layers, o.target.family);
  o.shapes.forEach((shape, i) => {
    const link = links[i]!;
    const engine = buildEngine({ model, shape, fold: o.folding.layers[i]!, weightStorage: o.weightStorage[i]!, family: o.target.family, logitMultipliers: logitMultipliersFor(o.target), trace: o.trace, prefix: o.name, ...(i === 0 && lanes > 1 ? { inputLanes: lanes } : {}), ...(link.out !== undefined ? { outChunk: link.out } : {}), ...(link.subBlockIn ? { subBlockIn: true } : {}) });
    const inst = top.instance(`l${i}_${identifier(shape.name)}`, engine.module);
    const sink = inst.stream('in');
    // layer 1's taps may be wider than z (an out-of-range padding value): sign-extend (each lane)
    const zBits = model.normalizer.outBits;
    if (i === 0 && lanes > 1 && engine.inWidth > prev.width) {
      const tapW = engine.inWidth / lanes;
      sink.payload.set(cat(...Array.from({ length: lanes }, (_, e) => prev.payload.slice((e + 1) * zBits - 1, e * zBits).asSigned().sext(tapW).asUnsigned()).reverse()));
    } else sink.payload.set(engine.inWidth > prev.width ? prev.payload.sext(engine.inWidth).asUnsigned() : prev.payload.asUnsigned());
    sink.valid.set(prev.valid);
    prev.ready.set(sink.ready);
    const out = inst.stream('out');
    if (engine.mode === 'logits') {
      if (o.trace) {
        const id = identifier(shape.name);
        top.output(`trace_${id}_valid`, 1).set(inst.out('logit_valid'));
        top.output(`trace_${id}_data`, engine.logitWidth!).set(inst.out('logit_data').asUnsigned());
        trace.push({ stream: shape.name, kind: 'logits', validPort: `trace_${id}_valid`, dataPort: `trace_${id}_data`, elementBits: engine.logitWidth!, elementsPerBeat: 1, beatsPerWindow: shape.outChannels });
      }
    } else {
      // a narrow link's beats are chunks of a position: still position-major, channel order
      tap(out, shape.name, 'bits', 1, engine.outWidth, (shape.outLength * shape.outChannels) / engine.outWidth);
    }
    prev = out;
  });
  mValid.set(prev.valid);
  mClass.set(prev.payload);
  prev.ready.set(mReady);
  return { module: top, trace };
}

/**
 * The design manifest: what `bitbeat generate` writes next to the Verilog in
 * rtl-out/<design>/manifest.json, and what cosim, synth and report read. It is tool-free
 * (written before any synthesis) and deterministic (no timestamps).
 */
import { z } from 'zod';

export const DESIGN_FORMAT = 'bitbeat-design';
export const DESIGN_VERSION = 1;

const nonNegInt = z.number().int().nonnegative();

export const ResourceEstimateSchema = z.object({
  lut4: nonNegInt,
  ff: nonNegInt,
  bram: nonNegInt,
  spram: nonNegInt,
  dsp: nonNegInt,
});

export const LayerFoldingSchema = z.object({
  /** layer name as in the model ('normalizer' for the input normalizer is not folded) */
  layer: z.string(),
  /** output channels computed in parallel */
  pe: z.number().int().positive(),
  /** input taps (kernel x input channels) consumed in parallel */
  simd: z.number().int().positive(),
  /** line buffer kind the engine was built with (hdl-gen/folding.ts `window`) */
  window: z.enum(['regs', 'ram']).optional(),
  /** where the weight ROM lives (hdl-gen/folding.ts `weights`; auto chooses block RAM when the device has it spare) */
  weights: z.enum(['lut', 'bram']).optional(),
});

export const LayerEstimateSchema = z.object({
  layer: z.string(),
  /** cycles this engine needs per window */
  cycles: nonNegInt,
  resources: ResourceEstimateSchema,
  /** where the layer's weights live */
  weightStorage: z.enum(['lut', 'bram']),
});

/**
 * A simulation-only trace port of a generated design (generated with the trace option): one
 * layer's output stream, so cosimulation can compare it with the reference model's trace
 * (src/reference/trace.ts). The stream's elements, in the reference's order (position-major:
 * all channels of a position, channels ascending, then the next position), are cut into beats
 * of `elementsPerBeat` elements; on every cycle with `<validPort>` high the design presents one
 * beat on `<dataPort>`, element j of the beat at bits [j*elementBits +: elementBits] (two's
 * complement where the kind is signed). A trace port never stalls the design: it only observes.
 */
export const TracePortSchema = z.object({
  /** 'normalizer' or the model layer's name */
  stream: z.string(),
  /** z: normalizer output; bits: binary layer outputs; preact: pooled pre-activations; logits: per-channel logits */
  kind: z.enum(['z', 'bits', 'preact', 'logits']),
  validPort: z.string(),
  dataPort: z.string(),
  elementBits: z.number().int().positive(),
  elementsPerBeat: z.number().int().positive(),
  /** beats per window: elements per window / elementsPerBeat */
  beatsPerWindow: z.number().int().positive(),
});

export const DesignManifestSchema = z.object({
  format: z.literal(DESIGN_FORMAT),
  version: z.number().int().positive(),
  /** the design's directory name under rtl-out/ */
  design: z.string(),
  /** top-level module name; its file is <top>.v */
  top: z.string(),
  generator: z.string(),
  model: z.object({
    name: z.string(),
    /** src/model/hash.ts of the quantized model */
    hash: z.string(),
    /** path of the model file relative to the repository root, when known */
    path: z.string().optional(),
    classes: z.array(z.string()),
  }),
  target: z.string(),
  folding: z.array(LayerFoldingSchema),
  /**
   * The rest of the folding (hdl-gen/folding.ts), so the manifest alone regenerates the design:
   * the z-score normalizer's window buffers (1 or 2) and the samples per beat it feeds layer 1
   * (inputLanes, 1 unless --fit chose more). Absent for models without a z-score normalizer.
   */
  normalizer: z.object({ buffers: z.union([z.literal(1), z.literal(2)]), inputLanes: z.number().int().positive() }).optional(),
  /** files in the design directory: Verilog sources (top last) and memory init files */
  files: z.object({ verilog: z.array(z.string()).min(1), memories: z.array(z.string()) }),
  /**
   * The top level's streaming interface:
   *   clk, rst (synchronous, active high);
   *   s_valid, s_ready, s_data[sampleBits-1:0]  raw signed ADC samples in, one per handshake;
   *   m_valid, m_ready, m_class[classBits-1:0]  one class index out per window.
   */
  io: z.object({ sampleBits: z.number().int().positive(), classBits: z.number().int().positive() }),
  /** present when the design was generated with trace ports (simulation builds) */
  trace: z.array(TracePortSchema).optional(),
  estimate: z.object({
    /** steady-state cycles between windows (the slowest engine) */
    cyclesPerWindow: nonNegInt,
    /** cycles from the last sample of a window to its class */
    latencyCycles: nonNegInt,
    layers: z.array(LayerEstimateSchema),
    total: ResourceEstimateSchema,
  }),
});

export type ResourceEstimate = z.infer<typeof ResourceEstimateSchema>;
export type LayerFolding = z.infer<typeof LayerFoldingSchema>;
export type LayerEstimate = z.infer<typeof LayerEstimateSchema>;
export type TracePort = z.infer<typeof TracePortSchema>;
export type DesignManifest = z.infer<typeof DesignManifestSchema>;

/**
 * The cosimulation result: what `bitbeat cosim` writes to <design>/cosim.json and what the
 * report step reads. Deterministic: the same design, model, windows, back-pressure and seed
 * give a byte-identical file (no timestamps, no wall-clock times).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const COSIM_RESULT_FORMAT = 'bitbeat-cosim';
export const COSIM_RESULT_VERSION = 1;

/** One element (or the class) where the design and the integer reference disagree. */
export const CosimMismatchSchema = z.object({
  /** main: the run with back-pressure; timing: the short run without (its windows are the first ones again) */
  run: z.enum(['main', 'timing']),
  window: z.number().int().nonnegative(),
  /** 'class' for the final class; else the trace stream: 'normalizer' or the model layer's name */
  stream: z.string(),
  kind: z.enum(['class', 'z', 'bits', 'preact', 'logits']),
  /** model layer index of the stream (null: normalizer or class) */
  layerIndex: z.number().int().nonnegative().nullable(),
  /** element index within the window's stream (position-major), null for the class */
  element: z.number().int().nonnegative().nullable(),
  position: z.number().int().nonnegative().nullable(),
  channel: z.number().int().nonnegative().nullable(),
  /** null: the design produced an element the reference does not have (an extra beat) */
  expected: z.number().nullable(),
  /** null: the design never produced this element (the stream ended early) */
  actual: z.number().nullable(),
});

export const CosimStreamSummarySchema = z.object({
  stream: z.string(),
  kind: z.enum(['z', 'bits', 'preact', 'logits']),
  elementsPerWindow: z.number().int().positive(),
  /** elements compared over all windows (main run) */
  elements: z.number().int().nonnegative(),
  mismatches: z.number().int().nonnegative(),
});

export const CosimResultSchema = z.object({
  format: z.literal(COSIM_RESULT_FORMAT),
  version: z.number().int().positive(),
  design: z.string(),
  top: z.string(),
  /** sha256 of the manifest and every Verilog and memory file simulated */
  designHash: z.string(),
  model: z.object({ name: z.string(), hash: z.string() }),
  /** `verilator --version` of the simulator */
  verilator: z.string(),
  input: z.union([
    z.object({ kind: z.literal('dataset'), file: z.string(), split: z.string() }),
    z.object({ kind: z.literal('synthetic'), seed: z.number().int() }),
    z.object({ kind: z.literal('windows'), description: z.string() }),
  ]),
  /** windows streamed in the main run (with back-pressure) */
  windows: z.number().int().nonnegative(),
  /** windows of the main run with any difference (class or any trace element) */
  mismatches: z.number().int().nonnegative(),
  classMismatches: z.number().int().nonnegative(),
  elementMismatches: z.number().int().nonnegative(),
  /** windows of the timing run with any difference */
  timingMismatches: z.number().int().nonnegative(),
  /** main run first (else timing run): earliest window, then the earliest stream in pipeline order, then the earliest element */
  firstMismatch: CosimMismatchSchema.nullable(),
  streams: z.array(CosimStreamSummarySchema),
  /** true when the design has no trace ports: only classes were compared */
  classOnly: z.boolean(),
  /** steady-state cycles between class outputs, windows back to back, no back-pressure */
  cyclesPerWindow: z.number().nonnegative(),
  /** cycles from the last sample's handshake to m_valid of its class, window into an idle pipeline */
  latencyCycles: z.number().int().nonnegative(),
  /** the analytical model's predictions (manifest.estimate) */
  estimate: z.object({ cyclesPerWindow: z.number().int().nonnegative(), latencyCycles: z.number().int().nonnegative() }),
  /** (measured - estimate) / estimate * 100, null when the estimate is 0 */
  diffPercent: z.object({ cyclesPerWindow: z.number().nullable(), latencyCycles: z.number().nullable() }),
  /** windows of the timing run (back to back, no back-pressure) */
  timingWindows: z.number().int().nonnegative(),
  /** probability of an idle input cycle and of m_ready low, per cycle */
  backpressure: z.number().min(0).lt(1),
  seed: z.number().int(),
  /** clock cycles of the main run (summed over its processes) */
  cycles: z.number().int().nonnegative(),
  /**
   * the main run's windows are streamed in this many consecutive parts, each from reset, part p
   * with back-pressure seed partSeed(seed, p) (cosim.ts mainRunParts: depends on the window count only)
   */
  parts: z.number().int().positive().default(1),
  watchdogCycles: z.number().int().positive(),
});

export type CosimMismatch = z.infer<typeof CosimMismatchSchema>;
export type CosimStreamSummary = z.infer<typeof CosimStreamSummarySchema>;
export type CosimResult = z.infer<typeof CosimResultSchema>;

/** Reads and checks a cosim.json (for the report step). */
export function readCosimResult(path: string): CosimResult {
  return CosimResultSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

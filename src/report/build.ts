/**
 * buildReport: one design's numbers for every target it was synthesized for, with everything
 * derived (latency, throughput, real-time margin, estimate error) computed here once, so the
 * Markdown, CSV, LaTeX and JSON writers only format. Missing inputs are null, never guessed.
 */
import type { DesignManifest, ResourceEstimate } from '../design/manifest.ts';
import { getTarget } from '../design/targets.ts';
import type { QModel } from '../model/qmodel.ts';
import type { ResourceCounts } from '../synth/resources.ts';
import type { SynthResult } from '../synth/result.ts';
import { modelMetrics, type CosimSummary, type MeasuredAccuracy, type ModelMetrics } from './inputs.ts';
import { layerResources } from './layers.ts';

export const REPORT_FORMAT = 'bitbeat-report';
export const REPORT_VERSION = 1;

/** The reference stream: MIT-BIH's 360 Hz; a window of N samples arrives every N/360 s (3600 -> 10 s). */
export const STREAM_SAMPLE_RATE_HZ = 360;
export const DEFAULT_WINDOW_SAMPLES = 3600;

export const ESTIMATED_RESOURCES = ['lut4', 'ff', 'bram', 'spram', 'dsp'] as const;
export type EstimatedResource = (typeof ESTIMATED_RESOURCES)[number];

/** A cycle count and where it came from: measured in cosimulation, or the generator's analytical estimate. */
export interface CycleFigure {
  value: number | null;
  source: 'cosim' | 'estimate' | null;
}

export interface LayerRow {
  layer: string | null;
  label: string;
  instances: string[];
  resources: Omit<ResourceCounts, 'other'> | null;
  estimate: ResourceEstimate | null;
  /** (actual - estimate) / estimate per resource; null when either is missing or the estimate is 0 */
  estimateError: Record<EstimatedResource, number | null> | null;
  estimatedCycles: number | null;
  measuredCycles: number | null;
}

export interface TargetRow {
  target: string;
  device: string;
  board: string;
  package: string;
  resources: Omit<ResourceCounts, 'other'>;
  /** place-and-route logic cells: ICESTORM_LC (LUT+FF pairs) on iCE40, TRELLIS_COMB on ECP5 */
  logicCells: number | null;
  /** fraction of the device's LUT4 and block RAM */
  lutUtilisation: number;
  bramUtilisation: number | null;
  freqTargetMhz: number;
  /** nextpnr's Fmax for the primary seed */
  fmaxMhz: number | null;
  fmaxSpread: SynthResult['pnr']['fmaxSpread'];
  /** seeds that placed and routed (the spread is over these) */
  seeds: number[];
  /** seeds after the primary whose place and route failed */
  failedSeeds: number[];
  icetimeMhz: number | null;
  cyclesPerWindow: CycleFigure;
  latencyCycles: CycleFigure;
  /** latencyCycles / Fmax */
  latencyUs: number | null;
  /** Fmax / cyclesPerWindow */
  windowsPerSecond: number | null;
  /** window period of the 360 Hz stream / processing time per window (>= 1 keeps up) */
  realtimeMargin: number | null;
  estimate: ResourceEstimate;
  estimateError: Record<EstimatedResource, number | null>;
  layers: LayerRow[];
  /** per Verilog module: instances and the module's own cells (submodules excluded), by name */
  modules: { module: string; instances: number; own: Omit<ResourceCounts, 'other'> }[];
  tools: Record<string, string>;
}

export interface DesignReport {
  format: typeof REPORT_FORMAT;
  version: number;
  design: string;
  top: string;
  model: ModelMetrics & { hash: string; classes: string[] };
  stream: { sampleRateHz: number; windowSamples: number; windowPeriodS: number };
  cosim: { windows: number; mismatches: number } | null;
  targets: TargetRow[];
}

export interface ReportInputs {
  manifest: DesignManifest;
  /** one per target; rows come out sorted by target name */
  synth: SynthResult[];
  cosim?: CosimSummary;
  model?: QModel;
  /** test accuracy recorded by training (metricsFileAccuracy), used when cosim measured none */
  measuredAccuracy?: MeasuredAccuracy | null;
}

function relError(actual: number | null, estimate: number | null): number | null {
  if (actual === null || estimate === null || estimate === 0) return null;
  return (actual - estimate) / estimate;
}

function errors(actual: Omit<ResourceCounts, 'other'> | null, estimate: ResourceEstimate | null): Record<EstimatedResource, number | null> {
  const out = {} as Record<EstimatedResource, number | null>;
  for (const r of ESTIMATED_RESOURCES) out[r] = relError(actual ? actual[r] : null, estimate ? estimate[r] : null);
  return out;
}

function withoutOther(c: ResourceCounts): Omit<ResourceCounts, 'other'> {
  const { other: _other, ...rest } = c;
  return rest;
}

function cycles(measured: number | undefined, estimated: number, zeroIsUnmeasured = false): CycleFigure {
  if (measured !== undefined && !(zeroIsUnmeasured && measured === 0)) return { value: measured, source: 'cosim' };
  return { value: estimated, source: 'estimate' };
}

function targetRow(s: SynthResult, inputs: ReportInputs, windowPeriodS: number): TargetRow {
  const { manifest, cosim } = inputs;
  const device = getTarget(s.target).resources;
  const primary = s.pnr.runs.find((r) => r.seed === s.pnr.primarySeed) ?? s.pnr.runs[0]!;
  const fmax = primary.fmaxMhz;
  // the cosimulation's steady-state figure is 0 when it could not measure one (fewer than two windows)
  const cpw = cycles(cosim?.cyclesPerWindow, manifest.estimate.cyclesPerWindow, true);
  const lat = cycles(cosim?.latencyCycles, manifest.estimate.latencyCycles);
  const windowsPerSecond = fmax !== null && cpw.value ? (fmax * 1e6) / cpw.value : null;
  const logicCells = primary.utilisation.ICESTORM_LC?.used ?? primary.utilisation.TRELLIS_COMB?.used ?? null;
  const resources = withoutOther(s.synthesis.resources);
  const measuredLayerCycles = new Map((cosim?.layers ?? []).map((l) => [l.layer, l.cycles]));
  const layers = layerResources(manifest.estimate.layers, s.synthesis.instances, s.synthesis.topOwn).map((l) => {
    const actual = l.actual ? withoutOther(l.actual) : null;
    const estimate = l.estimate?.resources ?? null;
    return {
      layer: l.layer,
      label: l.label,
      instances: l.instances,
      resources: actual,
      estimate,
      estimateError: estimate ? errors(actual, estimate) : null,
      estimatedCycles: l.estimate?.cycles ?? null,
      measuredCycles: l.layer !== null ? (measuredLayerCycles.get(l.layer) ?? null) : null,
    };
  });
  const tools: Record<string, string> = {};
  for (const name of Object.keys(s.tools).sort()) tools[name] = `${s.tools[name]!.version} [${s.tools[name]!.source}]`;
  return {
    target: s.target,
    device: s.device,
    board: s.board,
    package: s.package,
    resources,
    logicCells,
    lutUtilisation: resources.lut4 / device.lut4,
    bramUtilisation: device.bram ? resources.bram / device.bram : null,
    freqTargetMhz: s.pnr.freqTargetMhz,
    fmaxMhz: fmax,
    fmaxSpread: s.pnr.fmaxSpread,
    seeds: s.pnr.runs.map((r) => r.seed),
    failedSeeds: s.pnr.failedRuns.map((r) => r.seed),
    icetimeMhz: s.icetime?.fmaxMhz ?? null,
    cyclesPerWindow: cpw,
    latencyCycles: lat,
    latencyUs: fmax !== null && lat.value !== null ? lat.value / fmax : null,
    windowsPerSecond,
    realtimeMargin: windowsPerSecond !== null ? windowsPerSecond * windowPeriodS : null,
    estimate: manifest.estimate.total,
    estimateError: errors(resources, manifest.estimate.total),
    layers,
    modules: [...s.synthesis.modules]
      .sort((a, b) => a.module.localeCompare(b.module) || a.yosysName.localeCompare(b.yosysName))
      .map((m) => ({ module: m.module, instances: m.instances, own: withoutOther(m.own) })),
    tools,
  };
}

export function buildReport(inputs: ReportInputs): DesignReport {
  const { manifest, cosim, model } = inputs;
  for (const s of inputs.synth) {
    if (s.design !== manifest.design) throw new Error(`synth result for design ${s.design} given with the manifest of ${manifest.design}`);
  }
  const metrics = modelMetrics(model, cosim, manifest.model.name, inputs.measuredAccuracy);
  const windowSamples = metrics.windowSamples ?? DEFAULT_WINDOW_SAMPLES;
  const windowPeriodS = windowSamples / STREAM_SAMPLE_RATE_HZ;
  const synth = [...inputs.synth].sort((a, b) => `${a.target}/${a.board}`.localeCompare(`${b.target}/${b.board}`));
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    design: manifest.design,
    top: manifest.top,
    model: { ...metrics, hash: manifest.model.hash, classes: manifest.model.classes },
    stream: { sampleRateHz: STREAM_SAMPLE_RATE_HZ, windowSamples, windowPeriodS },
    cosim: cosim ? { windows: cosim.windows, mismatches: cosim.mismatches } : null,
    targets: synth.map((s) => targetRow(s, inputs, windowPeriodS)),
  };
}

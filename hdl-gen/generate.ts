/**
 * generateDesign(model, folding, target, outDir) -> manifest: the RTL of one accelerator.
 *
 * Everything that can fail is checked before any file is written (planDesign): unsupported
 * model features, a folding that does not fit the device. Files are written into a temporary
 * sibling directory and renamed into place at the end, so an error never leaves a
 * half-written design; an existing outDir is replaced only if it holds a bitbeat design.
 * Output is deterministic: the same model, folding, target, options and directory name give
 * byte-identical files (no timestamps, no absolute paths; the design is named after the
 * directory).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../src/cli/errors.ts';
import { DESIGN_FORMAT, DESIGN_VERSION, DesignManifestSchema, type DesignManifest } from '../src/design/manifest.ts';
import type { Target } from '../src/design/targets.ts';
import { emitDesignFiles, type Module } from '../src/hdl/index.ts';
import type { TracePort } from '../src/design/manifest.ts';
import { modelHash } from '../src/model/hash.ts';
import type { QModel } from '../src/model/qmodel.ts';
import { layerShapes, type LayerShape } from '../src/model/shapes.ts';
import { BITBEAT_VERSION } from '../src/version.ts';
import { budgetExcess, defaultNormalizerBuffers, estimateDesign, type DesignEstimate } from './estimate.ts';
import type { ResolvedFolding, WeightStorage } from './folding.ts';
import { buildTop, classBits, identifier } from './top.ts';

export interface GenerateOptions {
  /** add trace ports (simulation builds) */
  trace?: boolean;
  /** model file path relative to the repository root, recorded in the manifest */
  modelPath?: string;
  /** skip the device budget check (e.g. a very parallel design for simulation only) */
  allowOverBudget?: boolean;
}

export interface DesignPlan {
  model: QModel;
  target: Target;
  folding: ResolvedFolding;
  shapes: LayerShape[];
  estimate: DesignEstimate;
  weightStorage: WeightStorage[];
  normalizerBuffers: 1 | 2;
  normalizerStorage: 'spram' | 'bram';
}

function resourceLine(r: { lut4: number; ff: number; bram: number; spram: number; dsp: number }): string {
  return `${r.lut4} LUT4, ${r.ff} FF, ${r.bram} BRAM, ${r.spram} SPRAM, ${r.dsp} DSP`;
}

/** Checks a model + folding + target and computes everything generation needs; writes nothing. */
export function planDesign(model: QModel, folding: ResolvedFolding, target: Target, opts: GenerateOptions = {}): DesignPlan {
  const shapes = layerShapes(model);
  model.layers.forEach((layer, i) => {
    const last = i === model.layers.length - 1;
    if (last && layer.out.kind !== 'logits') throw new UserError(`model '${model.name}': the last layer '${layer.name}' must produce logits for the generator; re-export the model with a logits head`);
    if (!last && layer.out.kind !== 'binary') throw new UserError(`model '${model.name}': layer ${i} '${layer.name}' produces logits but is not the last layer; the generator supports logits only at the end`);
  });
  const estimate = estimateDesign(model, folding, target, shapes);
  if (!opts.allowOverBudget) {
    const excess = budgetExcess(estimate.total, target);
    if (excess.length) {
      throw new UserError(
        `the design needs about ${resourceLine(estimate.total)} (${excess.join(', ')}) but ${target.name} has ${resourceLine(target.resources)}; fold more (smaller PE/SIMD), use --folding auto --fit ${target.name}, or pick a larger --target`,
      );
    }
  }
  const normalizerBuffers = folding.normalizerBuffers ?? defaultNormalizerBuffers(model, target);
  return {
    model,
    target,
    folding,
    shapes,
    estimate,
    weightStorage: estimate.engines.map((e) => e.weightStorage),
    normalizerBuffers,
    normalizerStorage: estimate.normalizer.bufferStorage === 'spram' ? 'spram' : 'bram',
  };
}

/** The design's top module in memory (for simulation tests), after the same checks. */
export function buildDesign(model: QModel, folding: ResolvedFolding, target: Target, name: string, opts: GenerateOptions = {}): { plan: DesignPlan; top: Module; trace: TracePort[] } {
  const plan = planDesign(model, folding, target, opts);
  // the line buffer each engine gets: the folding's, else the estimate's choice
  // and the threshold parameter ROM the estimate put in spare iCE40 block RAM (thresholdRomPlan),
  // and layer 1's dot product in spare iCE40 DSPs (dspDotPlan)
  const resolved: ResolvedFolding = {
    ...folding,
    layers: folding.layers.map((f, i) => {
      const rom = plan.estimate.engines[i]!.thresholdParams?.romWidth;
      const dspDot = plan.estimate.engines[i]!.dspDot === true;
      return { ...f, window: plan.estimate.engines[i]!.window, ...(rom !== undefined ? { thresholdRomWidth: rom } : {}), ...(dspDot ? { dspDot } : {}) };
    }),
  };
  const { module: top, trace } = buildTop({
    model,
    shapes: plan.shapes,
    folding: resolved,
    weightStorage: plan.weightStorage,
    normalizerBuffers: plan.normalizerBuffers,
    normalizerStorage: plan.normalizerStorage,
    target,
    name: identifier(name),
    trace: !!opts.trace,
  });
  return { plan, top, trace };
}

/** Builds and writes the design; returns the manifest (also written as manifest.json). */
export function generateDesign(model: QModel, folding: ResolvedFolding, target: Target, outDir: string, opts: GenerateOptions = {}): DesignManifest {
  const design = basename(outDir);
  const name = identifier(design);
  const { plan, top, trace } = buildDesign(model, folding, target, design, opts);
  const files = emitDesignFiles(top);
  const verilog = files.filter((f) => f.name.endsWith('.v')).map((f) => f.name);
  const memories = files.filter((f) => !f.name.endsWith('.v')).map((f) => f.name);
  const est = plan.estimate;
  const manifest: DesignManifest = DesignManifestSchema.parse({
    format: DESIGN_FORMAT,
    version: DESIGN_VERSION,
    design,
    top: name,
    generator: `bitbeat ${BITBEAT_VERSION} hdl-gen`,
    model: { name: model.name, hash: modelHash(model), ...(opts.modelPath ? { path: opts.modelPath } : {}), classes: model.classes },
    target: target.name,
    folding: folding.layers.map((f, i) => ({ layer: f.layer, pe: f.pe, simd: f.simd, window: est.engines[i]!.window, weights: est.engines[i]!.weightStorage })),
    ...(model.normalizer.kind === 'zscore' ? { normalizer: { buffers: plan.normalizerBuffers, inputLanes: folding.inputLanes ?? 1 } } : {}),
    files: { verilog, memories },
    io: { sampleBits: model.input.sampleBits, classBits: classBits(model) },
    ...(opts.trace ? { trace } : {}),
    estimate: {
      cyclesPerWindow: est.cyclesPerWindow,
      latencyCycles: est.latencyCycles,
      layers: est.engines.map((e) => ({ layer: e.layer, cycles: e.cycles, resources: e.resources, weightStorage: e.weightStorage })),
      total: est.total,
    },
  });

  if (existsSync(outDir) && !existsSync(join(outDir, 'manifest.json'))) {
    throw new UserError(`--out ${outDir} exists and is not a bitbeat design directory; choose a new directory`);
  }
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${design}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    for (const f of files) writeFileSync(join(tmp, f.name), f.text);
    writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}

/** Gathering a design's report inputs from disk: manifest, build/<target>/synth.json, cosim.json, model. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { getTarget } from '../design/targets.ts';
import { loadModel } from '../model/load.ts';
import type { QModel } from '../model/qmodel.ts';
import { loadManifest } from '../synth/design-dir.ts';
import { readSynthResult, type SynthResult } from '../synth/result.ts';
import { SYNTH_RESULT_FILE } from '../synth/synthesize.ts';
import { buildReport, type DesignReport } from './build.ts';
import { metricsFileAccuracy, readCosimSummary } from './inputs.ts';

export interface LoadReportOptions {
  /** only this target (every build/<target>*\/synth.json when absent) */
  target?: string;
  /** the quantized model, for accuracy and storage; defaults to the manifest's model.path when that file exists */
  modelPath?: string;
}

/** Every synth.json under <design>/build/, sorted by directory name. */
export function findSynthResults(designDir: string, target?: string): SynthResult[] {
  if (target) getTarget(target); // a clear error for a misspelt target
  const build = join(designDir, 'build');
  const dirs = existsSync(build) ? readdirSync(build).sort() : [];
  const results = dirs
    .filter((d) => existsSync(join(build, d, SYNTH_RESULT_FILE)))
    .map((d) => readSynthResult(join(build, d, SYNTH_RESULT_FILE)))
    .filter((s) => !target || s.target === target);
  if (results.length === 0) {
    throw new UserError(`no synthesis results${target ? ` for ${target}` : ''} in ${build}: run \`bitbeat synth --design ${designDir} --target ${target ?? '<target>'}\` first`);
  }
  return results;
}

export function loadDesignReport(designDir: string, opts: LoadReportOptions = {}): DesignReport {
  const manifest = loadManifest(designDir);
  const synth = findSynthResults(designDir, opts.target);
  const cosim = readCosimSummary(designDir, manifest.design);
  let model: QModel | undefined;
  const modelPath = opts.modelPath ?? (manifest.model.path && existsSync(manifest.model.path) ? manifest.model.path : undefined);
  if (modelPath) model = loadModel(modelPath);
  return buildReport({ manifest, synth, cosim, model, measuredAccuracy: modelPath ? metricsFileAccuracy(modelPath) : null });
}

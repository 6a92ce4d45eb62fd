/**
 * The generator behind `bitbeat sweep --model`: each point's folding spec resolved for its
 * target (folding-spec.ts), then hdl-gen's generateDesign writes the design directory. The
 * design is checked against the device budget as `bitbeat generate` checks it, so a point
 * whose estimate does not fit becomes a failed sweep row naming the estimate.
 */
import { isAbsolute, relative } from 'node:path';
import { getTarget } from '../design/targets.ts';
import { loadModel } from '../model/load.ts';
import type { QModel } from '../model/qmodel.ts';
import type { GenerateFn } from '../synth/sweep.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { resolveFoldingSpec } from './folding-spec.ts';

/** The model path as the manifest records it: relative to the working directory when inside it. */
export function manifestModelPath(modelPath: string): string | undefined {
  const rel = relative(process.cwd(), modelPath);
  return !isAbsolute(rel) && !rel.startsWith('..') ? rel : undefined;
}

export function sweepGenerator(): GenerateFn {
  const models = new Map<string, QModel>();
  return async ({ modelPath, target, folding, outDir }) => {
    let model = models.get(modelPath);
    if (!model) {
      model = loadModel(modelPath);
      models.set(modelPath, model);
    }
    const t = getTarget(target);
    generateDesign(model, resolveFoldingSpec(model, t, folding), t, outDir, { modelPath: manifestModelPath(modelPath) });
    return outDir;
  };
}

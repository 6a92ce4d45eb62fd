/**
 * The three foldings a shipped model is cosimulated at (issue: fully folded, auto, highly
 * parallel), shared by the shipped-model tests and bench:cosim.
 */
import { autoFolding, DEFAULT_FIT_MARGIN } from '../../hdl-gen/auto.ts';
import { estimateDesign, fitsDevice } from '../../hdl-gen/estimate.ts';
import { fullyFolded, fullyParallel, type ResolvedFolding } from '../../hdl-gen/folding.ts';
import { UserError } from '../../src/cli/errors.ts';
import { getTarget, type Target } from '../../src/design/targets.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { DEFAULT_FLOW_CYCLES } from '../../src/flow/defaults.ts';

/** Targets tried in order for the auto folding: the first its auto design fits (with --fit's headroom) is used. */
export const AUTO_TARGETS = ['ice40-up5k', 'ecp5-25f', 'ecp5-85f'] as const;

export interface StandardFolding {
  label: 'auto' | 'fully folded' | 'highly parallel' | 'fully parallel';
  folding: ResolvedFolding;
  target: Target;
}

const key = (f: ResolvedFolding): string => JSON.stringify([f.layers.map((l) => [l.pe, l.simd]), f.normalizerBuffers ?? null]);

/** PE x SIMD per layer, e.g. "8x7 4x56 1x224". */
export function foldingLabel(f: ResolvedFolding): string {
  const layers = f.layers.map((l) => `${l.pe}x${l.simd}`).join(' ');
  // input lanes change the design as much as a layer's PE: a label without them names two designs
  return (f.inputLanes ?? 1) > 1 ? `${layers} (${f.inputLanes} input lanes)` : layers;
}

/**
 * auto: the folding `bitbeat flow` and `generate --folding auto` make (the smallest design
 * within DEFAULT_FLOW_CYCLES cycles per window) on the first of AUTO_TARGETS it fits with the
 * LUT/FF headroom --fit keeps (so it is expected to place, not only to pass generate's check);
 * fully folded: PE = SIMD = 1;
 * highly parallel: the cheapest folding as fast as fully parallel (autoFolding with that
 * cycle target). When that equals the auto folding (auto already reached the fastest interval)
 * or autoFolding cannot find it, `whenParallelIsAuto` decides: 'skip' leaves it out (CI: a fully
 * parallel build takes minutes), 'fully-parallel' uses PE = all channels, SIMD = all taps
 * instead (large; simulation only).
 */
export function standardFoldings(model: QModel, whenParallelIsAuto: 'skip' | 'fully-parallel'): StandardFolding[] {
  let auto: { folding: ResolvedFolding; target: Target } | undefined;
  for (const name of AUTO_TARGETS) {
    const target = getTarget(name);
    try {
      const r = autoFolding(model, target, { kind: 'cycles', targetCycles: DEFAULT_FLOW_CYCLES });
      if (!fitsDevice(r.estimate.total, target, DEFAULT_FIT_MARGIN)) continue;
      auto = { folding: r.folding, target };
      break;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
    }
  }
  if (!auto) throw new UserError(`model '${model.name}': its auto design (<= ${DEFAULT_FLOW_CYCLES} cycles per window) fits none of ${AUTO_TARGETS.join(', ')}`);
  const { target } = auto;
  const out: StandardFolding[] = [
    { label: 'auto', folding: auto.folding, target },
    { label: 'fully folded', folding: fullyFolded(model), target },
  ];
  const fastest = estimateDesign(model, fullyParallel(model), target).cyclesPerWindow;
  let parallel: ResolvedFolding | null = null;
  try {
    parallel = autoFolding(model, target, { kind: 'cycles', targetCycles: fastest }).folding;
  } catch (e) {
    // autoFolding may not reach the fully parallel interval by its own search; fall back below
    if (!(e instanceof UserError)) throw e;
  }
  if (parallel && key(parallel) !== key(auto.folding)) out.push({ label: 'highly parallel', folding: parallel, target });
  else if (whenParallelIsAuto === 'fully-parallel') out.push({ label: 'fully parallel', folding: fullyParallel(model), target });
  return out;
}

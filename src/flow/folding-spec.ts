/**
 * Folding specs as sweeps and benches name them on the command line, resolved for one model
 * on one target:
 *   auto       the smallest design within DEFAULT_FLOW_CYCLES cycles per window (`bitbeat flow`'s default)
 *   fit        the fastest design that fits the target by the analytical estimate (`--fit`)
 *   cycles=N   the smallest design within N cycles per window (`--target-cycles N`)
 *   smallest   the smallest design at any number of cycles per window (auto's cost, no bound)
 *   folded     every engine fully folded (PE = SIMD = 1)
 *   parallel   every engine fully parallel
 *   <file>     a folding JSON file
 */
import { UserError } from '../cli/errors.ts';
import type { Target } from '../design/targets.ts';
import type { QModel } from '../model/qmodel.ts';
import { autoFolding } from '../../hdl-gen/auto.ts';
import { fullyFolded, fullyParallel, loadFoldingFile, validateFolding, type ResolvedFolding } from '../../hdl-gen/folding.ts';
import { DEFAULT_FLOW_CYCLES } from './defaults.ts';

export const FOLDING_SPEC_HELP = `'auto' (smallest within ${DEFAULT_FLOW_CYCLES} cycles per window), 'fit' (fastest that fits the target), 'cycles=N', 'smallest' (smallest at any cycles), 'folded', 'parallel', or a folding JSON file`;

export function resolveFoldingSpec(model: QModel, target: Target, spec: string): ResolvedFolding {
  if (spec === 'auto') return autoFolding(model, target, { kind: 'cycles', targetCycles: DEFAULT_FLOW_CYCLES }).folding;
  if (spec === 'fit') return autoFolding(model, target, { kind: 'fit', device: target }).folding;
  // not 'folded': PE = SIMD = 1 everywhere is not the smallest design (a 1-bit-wide engine
  // needs wider counters and more control than the ROM it saves), auto's cost decides
  if (spec === 'smallest') return autoFolding(model, target, { kind: 'cycles', targetCycles: Number.MAX_SAFE_INTEGER }).folding;
  if (spec === 'folded') return fullyFolded(model);
  if (spec === 'parallel') return fullyParallel(model);
  const cycles = /^cycles=(.*)$/.exec(spec);
  if (cycles) {
    const n = Number(cycles[1]);
    if (!Number.isInteger(n) || n <= 0) throw new UserError(`folding '${spec}': expected cycles=<positive whole number>`);
    return autoFolding(model, target, { kind: 'cycles', targetCycles: n }).folding;
  }
  if (!spec.endsWith('.json')) throw new UserError(`unknown folding '${spec}': use ${FOLDING_SPEC_HELP}`);
  return validateFolding(model, loadFoldingFile(spec), spec);
}


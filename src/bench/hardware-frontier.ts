/**
 * The estimated design space of one model on one device: what the generator can build, by the
 * analytical estimate (hdl-gen/estimate.ts, within a few per cent of Yosys's LUT4 on the
 * iCE40 designs in bench/hardware.md), and which of it is Pareto-optimal in LUT4 against
 * latency. bench:hardware prints it for the seed-000 goal on the UP5K, whose three criteria
 * (LUT4, clock, latency) no single placed design meets: the table shows how far apart the
 * small designs and the fast ones are, so the gap is measured rather than asserted.
 *
 * The points are auto's designs (hdl-gen/auto.ts: the cheapest folding within a bound on the
 * cycles per window) at bounds spaced geometrically from the fully parallel design's cycles
 * to the smallest design's, plus `--fit`'s design; designs over the device's memories or DSPs
 * are kept but marked, since the LUT4 side of the trade is what the table is for.
 */
import { UserError } from '../cli/errors.ts';
import type { Target } from '../design/targets.ts';
import type { QModel } from '../model/qmodel.ts';
import { autoFolding, type AutoResult } from '../../hdl-gen/auto.ts';
import { budgetExcess } from '../../hdl-gen/estimate.ts';
import { foldingLabel } from '../../sim/cosim/foldings.ts';

export interface FrontierPoint {
  folding: string;
  lut4: number;
  ff: number;
  bram: number;
  cyclesPerWindow: number;
  latencyCycles: number;
  /** what exceeds the device at full budget (empty: fits by the estimate) */
  excess: string[];
  pareto: boolean;
}

/** Bounds per factor of ten between the fastest and the smallest design. */
const BOUNDS_PER_DECADE = 24;

function tryAuto(model: QModel, target: Target, bound: number): AutoResult | null {
  try {
    return autoFolding(model, target, { kind: 'cycles', targetCycles: bound });
  } catch (e) {
    if (e instanceof UserError) return null; // below the fully parallel design's cycles
    throw e;
  }
}

export function designFrontier(model: QModel, target: Target): FrontierPoint[] {
  const smallest = autoFolding(model, target, { kind: 'cycles', targetCycles: Number.MAX_SAFE_INTEGER });
  const hi = smallest.estimate.cyclesPerWindow;
  const lo = model.input.length; // one sample per cycle: no design is faster
  const found = new Map<string, AutoResult>();
  const steps = Math.ceil(Math.log10(hi / lo) * BOUNDS_PER_DECADE);
  for (let i = 0; i <= steps; i++) {
    const r = tryAuto(model, target, Math.round(lo * (hi / lo) ** (i / steps)));
    if (r) found.set(foldingLabel(r.folding), r);
  }
  try {
    const fit = autoFolding(model, target, { kind: 'fit', device: target });
    found.set(foldingLabel(fit.folding), fit);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
  }
  const points: FrontierPoint[] = [...found].map(([folding, r]) => ({
    folding,
    lut4: r.estimate.total.lut4,
    ff: r.estimate.total.ff,
    bram: r.estimate.total.bram,
    cyclesPerWindow: r.estimate.cyclesPerWindow,
    latencyCycles: r.estimate.latencyCycles,
    excess: budgetExcess(r.estimate.total, target),
    pareto: false,
  }));
  // Pareto in (LUT4, latency) among the designs that fit the device
  for (const p of points) {
    if (p.excess.length) continue;
    p.pareto = !points.some((q) => q !== p && q.excess.length === 0 && q.lut4 <= p.lut4 && q.latencyCycles <= p.latencyCycles && (q.lut4 < p.lut4 || q.latencyCycles < p.latencyCycles));
  }
  return points.sort((a, b) => a.latencyCycles - b.latencyCycles || a.lut4 - b.lut4);
}

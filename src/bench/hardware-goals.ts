/**
 * The published figures bench:hardware is measured against (issue 8), each evaluated on the
 * bench's results as met / not met with the figure it was judged on. A goal whose designs were
 * not run (a limited bench) is 'no data', never met.
 */
import type { TargetRow } from '../report/build.ts';
import type { HardwareResult } from './hardware-point.ts';

/** The 5-class network of seed 000 (the ECGBNN-S architecture) among the shipped models. */
export const SEED000_MODEL = 'ecgbnn-s-aami5';
export const UP5K = 'ice40-up5k';
export const ECP5 = 'ecp5-25f';

export interface GoalRow {
  goal: string;
  criterion: string;
  model: string;
  measured: string;
  status: 'met' | 'not met' | 'no data';
}

interface Placed {
  r: HardwareResult;
  t: TargetRow;
}

function placed(results: HardwareResult[], model: string, target: string): Placed[] {
  return results
    .filter((r) => r.model === model && r.target === target && r.status === 'ok' && r.report)
    .map((r) => ({ r, t: r.report!.targets.find((x) => x.target === target)! }))
    .filter((p) => p.t !== undefined);
}

const est = (source: string | null) => (source === 'estimate' ? ' (est.)' : '');
const mhz = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} MHz`);

function design(p: Placed): string {
  return `${p.r.folding} (${p.r.foldingText})`;
}

/** Why a model has no placed design on a target: each attempted point's stopping step and estimate. */
function whyNone(results: HardwareResult[], model: string, target: string): string {
  const tried = results.filter((r) => r.model === model && r.target === target);
  if (tried.length === 0) return 'not run';
  return `no design placed and routed: ${tried
    .map((r) => `${r.folding} stopped at ${r.failedStep ?? '?'}${r.estimate ? ` (estimate ${r.estimate.total.lut4} LUT4${r.synthesized ? `, Yosys ${r.synthesized.lut4} LUT4` : ''})` : ''}`)
    .join('; ')}`;
}

function noneStatus(results: HardwareResult[], model: string, target: string): GoalRow['status'] {
  return results.some((r) => r.model === model && r.target === target) ? 'not met' : 'no data';
}

const LATTICE = { lutMax: 2706, lutMin: 2419, mhzMin: 31.6, mhzMax: 41.8 };
const SPIKING_US = 4050;
export const SEED000 = { lutMax: 2000, mhzMin: 24, usMax: 1000, ecp5Cycles: 4000 };

export function evaluateGoals(results: HardwareResult[], models: string[]): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const model of models) {
    const up = placed(results, model, UP5K);
    // Lattice's closed BNN IP on the UP5K: our smallest UP5K design that reaches its slowest clock
    {
      const goal = `Lattice BNN accelerator IP on UP5K: ${LATTICE.lutMin}-${LATTICE.lutMax} LUTs at ${LATTICE.mhzMin}-${LATTICE.mhzMax} MHz`;
      const criterion = `a UP5K design with <= ${LATTICE.lutMax} LUT4 at >= ${LATTICE.mhzMin} MHz`;
      if (up.length === 0) rows.push({ goal, criterion, model, measured: whyNone(results, model, UP5K), status: noneStatus(results, model, UP5K) });
      else {
        const fast = up.filter((p) => (p.t.fmaxMhz ?? 0) >= LATTICE.mhzMin);
        const best = [...(fast.length ? fast : up)].sort((a, b) => a.t.resources.lut4 - b.t.resources.lut4)[0]!;
        const ok = best.t.resources.lut4 <= LATTICE.lutMax && (best.t.fmaxMhz ?? 0) >= LATTICE.mhzMin;
        rows.push({ goal, criterion, model, measured: `${best.t.resources.lut4} LUT4 at ${mhz(best.t.fmaxMhz)}, ${design(best)}`, status: ok ? 'met' : 'not met' });
      }
    }
    // the spiking ECG classifier on iCE40 UltraPlus: latency per classification
    {
      const goal = `spiking ECG classifier on iCE40 UltraPlus: ${(SPIKING_US / 1000).toFixed(2)} ms per classification`;
      const criterion = `a UP5K design with latency <= ${SPIKING_US} µs at its Fmax`;
      const timed = up.filter((p) => p.t.latencyUs !== null);
      if (timed.length === 0) rows.push({ goal, criterion, model, measured: whyNone(results, model, UP5K), status: noneStatus(results, model, UP5K) });
      else {
        const best = [...timed].sort((a, b) => a.t.latencyUs! - b.t.latencyUs!)[0]!;
        rows.push({
          goal,
          criterion,
          model,
          measured: `${best.t.latencyUs!.toFixed(1)} µs${est(best.t.latencyCycles.source)} (${best.t.latencyCycles.value} cycles at ${mhz(best.t.fmaxMhz)}), ${design(best)}`,
          status: best.t.latencyUs! <= SPIKING_US ? 'met' : 'not met',
        });
      }
    }
  }

  // the seed-000 5-class network on the UP5K: all three at once, on one design
  {
    const goal = `seed-000 5-class network (${SEED000_MODEL}) on UP5K`;
    const criterion = `one design with <= ${SEED000.lutMax} LUT4, >= ${SEED000.mhzMin} MHz and <= ${SEED000.usMax / 1000} ms latency per window`;
    const up = placed(results, SEED000_MODEL, UP5K);
    if (up.length === 0) rows.push({ goal, criterion, model: SEED000_MODEL, measured: whyNone(results, SEED000_MODEL, UP5K), status: noneStatus(results, SEED000_MODEL, UP5K) });
    else {
      const meets = (p: Placed) => [p.t.resources.lut4 <= SEED000.lutMax, (p.t.fmaxMhz ?? 0) >= SEED000.mhzMin, p.t.latencyUs !== null && p.t.latencyUs <= SEED000.usMax];
      const score = (p: Placed) => meets(p).filter(Boolean).length;
      const best = [...up].sort((a, b) => score(b) - score(a) || a.t.resources.lut4 - b.t.resources.lut4)[0]!;
      const text = (p: Placed) => `${p.t.resources.lut4} LUT4, ${mhz(p.t.fmaxMhz)}, ${p.t.latencyUs === null ? '—' : `${p.t.latencyUs.toFixed(1)} µs${est(p.t.latencyCycles.source)}`}, ${design(p)}`;
      // not met: the two designs that bound the gap, the smallest in time and the fastest in size
      const inTime = up.filter((p) => meets(p)[1] && meets(p)[2]).sort((a, b) => a.t.resources.lut4 - b.t.resources.lut4)[0];
      const inSize = up.filter((p) => meets(p)[0] && meets(p)[1]).sort((a, b) => (a.t.latencyUs ?? Infinity) - (b.t.latencyUs ?? Infinity))[0];
      const bounds = [
        inTime ? `smallest within ${SEED000.usMax / 1000} ms: ${text(inTime)}` : `no placed design within ${SEED000.usMax / 1000} ms`,
        inSize ? `fastest within ${SEED000.lutMax} LUT4: ${text(inSize)}` : `no placed design within ${SEED000.lutMax} LUT4`,
      ];
      rows.push({
        goal,
        criterion,
        model: SEED000_MODEL,
        measured: score(best) === 3 ? text(best) : bounds.join('; '),
        status: score(best) === 3 ? 'met' : 'not met',
      });
    }
  }
  // its fastest ECP5 design: the 'fit' folding on each ECP5 device the bench ran (the 25F by
  // default; a larger ECP5 takes a faster design), the placed one with the lowest latency
  {
    const goal = `seed-000 5-class network (${SEED000_MODEL}): fastest ECP5 design`;
    const criterion = `<= ${SEED000.ecp5Cycles} cycles from the last sample of a window to its class (fit folding on an ECP5)`;
    const fits = results.filter((x) => x.model === SEED000_MODEL && x.target.startsWith('ecp5') && x.folding === 'fit');
    const latency = (x: HardwareResult) => (x.cosim ? x.cosim.latencyCycles : x.estimate!.latencyCycles);
    const placed = fits.filter((x) => x.status === 'ok' && x.estimate).sort((a, b) => latency(a) - latency(b));
    const r = placed[0] ?? fits.find((x) => x.target === ECP5) ?? fits[0];
    if (!r || !r.estimate) rows.push({ goal, criterion, model: SEED000_MODEL, measured: r ? `${r.failedStep}: ${r.error}` : 'not run', status: r ? 'not met' : 'no data' });
    else {
      const measured = latency(r);
      const placedNote = r.status === 'ok' ? '' : `; the design did not place and route (${r.failedStep})`;
      rows.push({
        goal,
        criterion,
        model: SEED000_MODEL,
        measured: `${measured} cycles${r.cosim ? ' (cosim)' : ' (est.)'} on ${r.target}, ${r.foldingText}${placedNote}`,
        status: measured <= SEED000.ecp5Cycles && r.status === 'ok' ? 'met' : 'not met',
      });
    }
  }
  return rows;
}

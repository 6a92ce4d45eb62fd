/** Number formatting shared by the report writers: fixed decimals, no locale, so output is byte-stable. */
import type { CycleFigure, DesignReport, TargetRow } from './build.ts';

export const DASH = '—';

export function fixed(v: number | null | undefined, digits: number, missing = DASH): string {
  return v === null || v === undefined || !Number.isFinite(v) ? missing : v.toFixed(digits);
}

/** Integers as integers; other numbers to `digits` decimals. */
export function count(v: number | null | undefined, missing = DASH): string {
  return v === null || v === undefined ? missing : Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Signed percentage, e.g. +12.5% / -3.0%. */
export function percent(v: number | null | undefined, missing = DASH): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return missing;
  const p = v * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/** Three significant figures for rates that span orders of magnitude (windows/s, margins). */
export function sig3(v: number | null | undefined, missing = DASH): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return missing;
  if (v >= 1000) return v.toFixed(0);
  return v.toPrecision(3);
}

export function cycleText(c: CycleFigure, estimateMark: string, missing = DASH): string {
  if (c.value === null) return missing;
  return `${count(c.value)}${c.source === 'estimate' ? estimateMark : ''}`;
}

/** The seeds after the primary that did not place and route, e.g. "seeds 2, 3"; '' when none. */
export function failedSeedsText(t: TargetRow): string {
  const n = t.failedSeeds.length;
  return n === 0 ? '' : `seed${n > 1 ? 's' : ''} ${t.failedSeeds.join(', ')}`;
}

export function fmaxSpreadText(t: TargetRow, missing = DASH): string {
  const s = t.fmaxSpread;
  const spread = !s || s.seeds < 2 ? missing : `${s.min.toFixed(1)}/${s.median.toFixed(1)}/${s.max.toFixed(1)}`;
  const failed = failedSeedsText(t);
  return failed ? `${spread} (${failed} did not place)` : spread;
}

export function accuracyText(r: { model: { accuracy: number | null } }, missing = DASH): string {
  return r.model.accuracy === null ? missing : `${(r.model.accuracy * 100).toFixed(2)}%`;
}

/** True when any cycle figure in the report is an analytical estimate (writers add a footnote). */
export function usesEstimates(r: DesignReport): boolean {
  return r.targets.some((t) => t.cyclesPerWindow.source === 'estimate' || t.latencyCycles.source === 'estimate');
}

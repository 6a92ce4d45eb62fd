/**
 * CSV: one row per design, target and row (`total`, then each layer), a fixed header, RFC 4180
 * quoting, empty cells for missing values (spreadsheets read them as blanks).
 */
import type { DesignReport } from './build.ts';

export const CSV_HEADER = [
  'design', 'model', 'target', 'board', 'row', 'instances',
  'lut4', 'ff', 'carry', 'bram', 'spram', 'dsp', 'logic_cells',
  'est_lut4', 'est_ff', 'est_bram', 'est_spram', 'est_dsp', 'err_lut4', 'err_ff',
  'fmax_mhz', 'fmax_min_mhz', 'fmax_median_mhz', 'fmax_max_mhz', 'seeds', 'failed_seeds', 'icetime_mhz',
  'cycles_per_window', 'latency_cycles', 'cycles_source', 'latency_us', 'windows_per_s', 'realtime_margin',
  'accuracy', 'weight_bits',
] as const;

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRows(r: DesignReport): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  for (const t of r.targets) {
    const s = t.fmaxSpread;
    rows.push([
      r.design, r.model.name, t.target, t.board, 'total', '',
      t.resources.lut4, t.resources.ff, t.resources.carry, t.resources.bram, t.resources.spram, t.resources.dsp, t.logicCells,
      t.estimate.lut4, t.estimate.ff, t.estimate.bram, t.estimate.spram, t.estimate.dsp, t.estimateError.lut4, t.estimateError.ff,
      t.fmaxMhz, s?.min ?? null, s?.median ?? null, s?.max ?? null, t.seeds.join(';'), t.failedSeeds.join(';'), t.icetimeMhz,
      t.cyclesPerWindow.value, t.latencyCycles.value, t.cyclesPerWindow.source, t.latencyUs, t.windowsPerSecond, t.realtimeMargin,
      r.model.accuracy, r.model.weightBits,
    ]);
    for (const l of t.layers) {
      rows.push([
        r.design, r.model.name, t.target, t.board, l.label, l.instances.join(';'),
        l.resources?.lut4 ?? null, l.resources?.ff ?? null, l.resources?.carry ?? null, l.resources?.bram ?? null, l.resources?.spram ?? null, l.resources?.dsp ?? null, null,
        l.estimate?.lut4 ?? null, l.estimate?.ff ?? null, l.estimate?.bram ?? null, l.estimate?.spram ?? null, l.estimate?.dsp ?? null, l.estimateError?.lut4 ?? null, l.estimateError?.ff ?? null,
        null, null, null, null, null, null, null,
        l.measuredCycles ?? l.estimatedCycles, null, l.measuredCycles !== null ? 'cosim' : l.estimatedCycles !== null ? 'estimate' : null, null, null, null,
        null, null,
      ]);
    }
  }
  return rows;
}

export function reportsToCsv(reports: DesignReport[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of reports) for (const row of csvRows(r)) lines.push(row.map(cell).join(','));
  return `${lines.join('\n')}\n`;
}

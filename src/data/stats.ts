/** Class counts of a dataset per split, as a table (used by `bitbeat data stats`). */
import { classCounts, type Dataset } from './dataset.ts';
import { interPatientSplit, stratifiedSplit } from './splits.ts';

export interface SplitCounts {
  split: string;
  part: string;
  counts: number[];
  total: number;
}

export function datasetSplitCounts(ds: Dataset): SplitCounts[] {
  const h = ds.header;
  const k = h.classes.length;
  const row = (split: string, part: string, idx?: number[]): SplitCounts => {
    const counts = classCounts(ds.labels, k, idx);
    return { split, part, counts, total: counts.reduce((a, b) => a + b, 0) };
  };
  const rows: SplitCounts[] = [row('all', 'all')];
  const { testFraction, seed } = h.defaultSplit;
  const strat = stratifiedSplit(ds.labels, testFraction, seed);
  const name = `stratified ${Math.round((1 - testFraction) * 100)}/${Math.round(testFraction * 100)} seed ${seed}`;
  rows.push(row(name, 'train', strat.train), row(name, 'test', strat.test));
  if (h.source === 'mitdb') {
    const ip = interPatientSplit(ds);
    rows.push(row('inter-patient DS1/DS2', 'train (DS1)', ip.train), row('inter-patient DS1/DS2', 'test (DS2)', ip.test));
  }
  return rows;
}

/** Plain-text table: one row per split part, one column per class. */
export function formatSplitCounts(ds: Dataset, rows: SplitCounts[]): string {
  const classes = ds.header.classes;
  const head = ['split', 'part', ...classes, 'total'];
  const body = rows.map((r) => [r.split, r.part, ...r.counts.map(String), String(r.total)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}

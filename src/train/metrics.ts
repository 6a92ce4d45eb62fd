/**
 * Classification metrics: confusion matrix (rows = true class, columns = predicted), accuracy,
 * per-class sensitivity (recall), positive predictivity (precision) and F1, as text and SVG.
 */
export interface ClassMetrics {
  name: string;
  support: number;
  sensitivity: number | null;
  ppv: number | null;
  f1: number | null;
}

export interface Metrics {
  total: number;
  correct: number;
  accuracy: number;
  confusion: number[][];
  perClass: ClassMetrics[];
  macroF1: number;
}

export function computeMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>, classes: readonly string[]): Metrics {
  const C = classes.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]!]![pred[i]!]!++;
    if (truth[i] === pred[i]) correct++;
  }
  const perClass = classes.map((name, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const sensitivity = support > 0 ? tp / support : null;
    const ppv = predicted > 0 ? tp / predicted : null;
    const f1 = sensitivity !== null && ppv !== null && sensitivity + ppv > 0 ? (2 * sensitivity * ppv) / (sensitivity + ppv) : sensitivity === null ? null : 0;
    return { name, support, sensitivity, ppv, f1 };
  });
  const f1s = perClass.filter((p) => p.f1 !== null).map((p) => p.f1!);
  return {
    total: truth.length,
    correct,
    accuracy: truth.length > 0 ? correct / truth.length : NaN,
    confusion,
    perClass,
    macroF1: f1s.length > 0 ? f1s.reduce((a, b) => a + b, 0) / f1s.length : NaN,
  };
}

const pct = (v: number | null): string => (v === null ? '   n/a' : `${(100 * v).toFixed(2).padStart(6)}`);

export function formatMetrics(m: Metrics): string {
  const lines: string[] = [];
  lines.push(`accuracy ${(100 * m.accuracy).toFixed(2)} % (${m.correct}/${m.total}), macro F1 ${(100 * m.macroF1).toFixed(2)} %`);
  const w = Math.max(5, ...m.perClass.map((p) => p.name.length));
  lines.push(`${'class'.padEnd(w)}  support  sens %   PPV %    F1 %`);
  for (const p of m.perClass) lines.push(`${p.name.padEnd(w)}  ${String(p.support).padStart(7)}  ${pct(p.sensitivity)}  ${pct(p.ppv)}  ${pct(p.f1)}`);
  lines.push('confusion matrix (rows: true class, columns: predicted)');
  const cw = Math.max(w, ...m.confusion.flat().map((v) => String(v).length));
  lines.push(`${''.padEnd(w)} ${m.perClass.map((p) => p.name.padStart(cw)).join(' ')}`);
  m.confusion.forEach((row, r) => lines.push(`${m.perClass[r]!.name.padEnd(w)} ${row.map((v) => String(v).padStart(cw)).join(' ')}`));
  return lines.join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Confusion matrix as a standalone SVG: cells shaded by row-normalized counts. */
export function confusionSvg(m: Metrics, title: string): string {
  const C = m.perClass.length;
  const cell = C > 8 ? 34 : 56;
  const left = 90;
  const top = 70;
  const width = left + C * cell + 20;
  const height = top + C * cell + 50;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  out.push(`<text x="${left + (C * cell) / 2}" y="${top - 40}" text-anchor="middle">predicted</text>`);
  out.push(`<text x="14" y="${top + (C * cell) / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + (C * cell) / 2})">true class</text>`);
  m.perClass.forEach((p, c) => {
    out.push(`<text x="${left + c * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(p.name)}</text>`);
    out.push(`<text x="${left - 6}" y="${top + c * cell + cell / 2 + 4}" text-anchor="end">${esc(p.name)}</text>`);
  });
  m.confusion.forEach((row, r) => {
    const n = row.reduce((a, b) => a + b, 0);
    row.forEach((v, c) => {
      const f = n > 0 ? v / n : 0;
      const shade = Math.round(255 - 200 * f);
      const fill = r === c ? `rgb(${shade},${Math.min(255, shade + 40)},${shade})` : `rgb(255,${shade},${shade})`;
      out.push(`<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#999"/>`);
      out.push(`<text x="${left + c * cell + cell / 2}" y="${top + r * cell + cell / 2 + 4}" text-anchor="middle">${v}</text>`);
    });
  });
  out.push(`<text x="${left}" y="${height - 16}">accuracy ${(100 * m.accuracy).toFixed(2)} % of ${m.total} windows</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * The Pareto plot, hand-written SVG with no dependencies: x = LUT4, y = latency (log scale when
 * it spans more than a decade), one series per device (its own colour and marker), the
 * Pareto-optimal points over all series ringed and joined by a dashed staircase. Output depends
 * only on the points (sorted here), so it is byte-stable.
 */
import { paretoFlags, paretoFront, type ParetoPoint } from './pareto.ts';

const W = 720;
const H = 460;
const M = { left: 72, right: 170, top: 40, bottom: 56 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

const n2 = (v: number) => (Math.round(v * 100) / 100).toFixed(2);

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1 && Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

function marker(shape: number, x: number, y: number, r: number, attrs: string): string {
  switch (shape % 3) {
    case 0:
      return `<circle cx="${n2(x)}" cy="${n2(y)}" r="${n2(r)}" ${attrs}/>`;
    case 1:
      return `<rect x="${n2(x - r)}" y="${n2(y - r)}" width="${n2(2 * r)}" height="${n2(2 * r)}" ${attrs}/>`;
    default:
      return `<path d="M${n2(x)},${n2(y - r * 1.2)} L${n2(x + r * 1.1)},${n2(y + r * 0.8)} L${n2(x - r * 1.1)},${n2(y + r * 0.8)} Z" ${attrs}/>`;
  }
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

export function paretoSvg(input: readonly ParetoPoint[], opts: PlotOptions = {}): string {
  const points = [...input]
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0 && p.x >= 0)
    .sort((a, b) => a.series.localeCompare(b.series) || a.x - b.x || a.y - b.y || a.label.localeCompare(b.label));
  const flags = paretoFlags(points);
  const series = [...new Set(points.map((p) => p.series))].sort();
  const title = opts.title ?? 'Design space: LUT4 vs latency';
  const xLabel = opts.xLabel ?? 'LUT4';
  const yLabel = opts.yLabel ?? 'latency (µs)';
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;

  const xMaxData = Math.max(1, ...points.map((p) => p.x));
  const xStep = niceStep(xMaxData, 5);
  const xMax = Math.ceil(xMaxData / xStep) * xStep;
  const ys = points.map((p) => p.y);
  const yMinData = ys.length ? Math.min(...ys) : 1;
  const yMaxData = ys.length ? Math.max(...ys) : 10;
  const logY = yMaxData / yMinData > 10;
  let yLo: number;
  let yHi: number;
  let yTicks: number[];
  if (logY) {
    yLo = 10 ** Math.floor(Math.log10(yMinData));
    yHi = 10 ** Math.ceil(Math.log10(yMaxData));
    yTicks = [];
    for (let e = Math.log10(yLo); e <= Math.log10(yHi) + 1e-9; e++) yTicks.push(10 ** e);
  } else {
    const step = niceStep(yMaxData, 5);
    yLo = 0;
    yHi = Math.max(step, Math.ceil(yMaxData / step) * step);
    yTicks = [];
    for (let v = 0; v <= yHi + step / 2; v += step) yTicks.push(Number(v.toPrecision(12)));
  }
  const sx = (x: number) => M.left + (x / xMax) * pw;
  const sy = (y: number) =>
    logY ? M.top + ph - ((Math.log10(y) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * ph : M.top + ph - ((y - yLo) / (yHi - yLo)) * ph;

  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${xmlEscape(title)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${n2(M.left + pw / 2)}" y="22" text-anchor="middle" font-size="14">${xmlEscape(title)}</text>`);
  // axes, grid and ticks
  out.push(`<g class="axes" stroke="#000000" fill="none">`);
  out.push(`<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}"/>`);
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}"/>`);
  out.push(`</g>`);
  out.push(`<g class="ticks" font-size="11">`);
  for (let v = 0; v <= xMax + xStep / 2; v += xStep) {
    const x = sx(v);
    out.push(`<line x1="${n2(x)}" y1="${M.top}" x2="${n2(x)}" y2="${M.top + ph}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${n2(x)}" y="${M.top + ph + 16}" text-anchor="middle">${tickLabel(v)}</text>`);
  }
  for (const v of yTicks) {
    const y = sy(v);
    out.push(`<line x1="${M.left}" y1="${n2(y)}" x2="${M.left + pw}" y2="${n2(y)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${M.left - 6}" y="${n2(y + 4)}" text-anchor="end">${tickLabel(v)}</text>`);
  }
  out.push(`</g>`);
  out.push(`<text x="${n2(M.left + pw / 2)}" y="${H - 14}" text-anchor="middle">${xmlEscape(xLabel)}</text>`);
  out.push(`<text x="16" y="${n2(M.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 16 ${n2(M.top + ph / 2)})">${xmlEscape(yLabel)}${logY ? ' (log scale)' : ''}</text>`);
  // Pareto staircase over all series
  const front = paretoFront(points);
  if (front.length > 1) {
    const d: string[] = [`M${n2(sx(front[0]!.x))},${n2(sy(front[0]!.y))}`];
    for (let i = 1; i < front.length; i++) {
      d.push(`H${n2(sx(front[i]!.x))}`, `V${n2(sy(front[i]!.y))}`);
    }
    out.push(`<path class="pareto-front" d="${d.join(' ')}" fill="none" stroke="#555555" stroke-dasharray="4 3"/>`);
  }
  // one group per series
  series.forEach((name, si) => {
    const color = COLORS[si % COLORS.length]!;
    out.push(`<g class="series" data-series="${xmlEscape(name)}" fill="${color}" stroke="${color}">`);
    points.forEach((p, i) => {
      if (p.series !== name) return;
      const x = sx(p.x);
      const y = sy(p.y);
      const label = `${p.label}: ${tickLabel(p.x)} LUT4, ${tickLabel(Number(p.y.toPrecision(4)))} µs${flags[i] ? ' (Pareto-optimal)' : ''}`;
      out.push(`<g class="point${flags[i] ? ' pareto' : ''}" data-label="${xmlEscape(p.label)}" data-x="${p.x}" data-y="${p.y}">`);
      out.push(`<title>${xmlEscape(label)}</title>`);
      if (flags[i]) out.push(`<circle cx="${n2(x)}" cy="${n2(y)}" r="8" fill="none" stroke="#000000" stroke-width="1.5"/>`);
      out.push(marker(si, x, y, 4, 'stroke-width="1"'));
      out.push(`</g>`);
    });
    out.push(`</g>`);
  });
  // legend
  const lx = M.left + pw + 16;
  out.push(`<g class="legend">`);
  series.forEach((name, si) => {
    const color = COLORS[si % COLORS.length]!;
    const y = M.top + 10 + si * 20;
    out.push(marker(si, lx + 6, y, 4, `fill="${color}" stroke="${color}"`));
    out.push(`<text x="${lx + 18}" y="${y + 4}">${xmlEscape(name)}</text>`);
  });
  const py = M.top + 10 + series.length * 20;
  out.push(`<circle cx="${lx + 6}" cy="${py}" r="8" fill="none" stroke="#000000" stroke-width="1.5"/>`);
  out.push(`<text x="${lx + 18}" y="${py + 4}">Pareto-optimal</text>`);
  out.push(`</g>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}

import { describe, expect, it } from 'vitest';
import { paretoFlags, paretoFront, paretoSvg, type ParetoPoint } from '../../src/report/index.ts';
import { checkWellFormedXml } from './helpers.ts';

const POINTS: ParetoPoint[] = [
  { series: 'ice40-up5k', label: 'auto', x: 1800, y: 900 },
  { series: 'ice40-up5k', label: 'pe2', x: 2600, y: 450 },
  { series: 'ice40-up5k', label: 'slow&big', x: 3000, y: 1000 }, // dominated by everything on ice40
  { series: 'ecp5-25f', label: 'auto', x: 2000, y: 950 }, // dominated by ice40 auto
  { series: 'ecp5-25f', label: 'pe8', x: 5200, y: 60 },
  { series: 'ecp5-25f', label: 'pe16', x: 9000, y: 30 },
  { series: 'ecp5-85f', label: 'pe16', x: 9000, y: 30 }, // ties with ecp5-25f pe16: both optimal
  { series: 'ecp5-85f', label: 'pe32', x: 9500, y: 30 }, // same latency, more LUTs: dominated
];

describe('Pareto front', () => {
  it('marks exactly the non-dominated points (minimising both), ties included', () => {
    expect(paretoFlags(POINTS)).toEqual([true, true, false, false, true, true, true, false]);
    expect(paretoFront(POINTS).map((p) => `${p.series}:${p.label}`)).toEqual([
      'ice40-up5k:auto', 'ice40-up5k:pe2', 'ecp5-25f:pe8', 'ecp5-25f:pe16', 'ecp5-85f:pe16',
    ]);
    expect(paretoFlags([])).toEqual([]);
  });
});

describe('Pareto SVG', () => {
  it('is well-formed, has one series per device and rings the Pareto points', () => {
    const svg = paretoSvg(POINTS, { title: 'sweep <test>' });
    const elements = checkWellFormedXml(svg);
    expect(elements[0]).toBe('svg');
    const series = [...svg.matchAll(/<g class="series" data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(series).toEqual(['ecp5-25f', 'ecp5-85f', 'ice40-up5k']);
    const pareto = [...svg.matchAll(/<g class="point pareto" data-label="([^"]+)" data-x="(\d+)" data-y="(\d+)"/g)].map((m) => `${m[1]}@${m[2]},${m[3]}`);
    expect(pareto.sort()).toEqual(['auto@1800,900', 'pe16@9000,30', 'pe16@9000,30', 'pe2@2600,450', 'pe8@5200,60'].sort());
    expect(svg.match(/<g class="point"/g)).toHaveLength(3);
    expect(svg).toContain('data-label="slow&amp;big"');
    expect(svg).toContain('sweep &lt;test&gt;');
    expect(svg).toContain('(log scale)'); // 30 .. 1000 µs spans more than a decade
    expect(svg).toMatch(/<path class="pareto-front" d="M[\d.]+,[\d.]+( [HV][\d.]+)+"/);
  });

  it('the well-formedness check itself rejects broken XML', () => {
    expect(() => checkWellFormedXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => checkWellFormedXml('<svg><text>a & b</text></svg>')).toThrow(/bare &/);
    expect(() => checkWellFormedXml('<svg x=1/>')).toThrow(/not well-formed/);
  });

  it('does not depend on the order of the points', () => {
    expect(paretoSvg([...POINTS].reverse())).toBe(paretoSvg(POINTS));
  });

  it('draws an empty plot (axes, no series) for no points', () => {
    const svg = paretoSvg([]);
    checkWellFormedXml(svg);
    expect(svg).not.toContain('class="series"');
  });
});

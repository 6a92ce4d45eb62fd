import { describe, expect, it } from 'vitest';
import { buildReport, CSV_HEADER, renderReport, REPORT_FORMATS, reportsToCsv, reportToLatex, reportToMarkdown } from '../../src/report/index.ts';
import { texEscape } from '../../src/report/format-tex.ts';
import { manifestFixture, splitCsvLine, synthFixture } from './helpers.ts';

function report(order: ('ice40-up5k' | 'ecp5-25f')[] = ['ice40-up5k', 'ecp5-25f']) {
  const synth = order.map((t) => synthFixture(t));
  // a second seed on iCE40 so the spread columns are filled
  const ice = synth.find((s) => s.target === 'ice40-up5k')!;
  ice.pnr.runs.push({ ...ice.pnr.runs[0]!, seed: 2, fmaxMhz: 44.25, report: 'pnr-seed2.json', log: 'pnr-seed2.log' });
  ice.pnr.fmaxSpread = { min: ice.pnr.runs[0]!.fmaxMhz!, median: (ice.pnr.runs[0]!.fmaxMhz! + 44.25) / 2, max: 44.25, seeds: 2 };
  return buildReport({ manifest: manifestFixture(), synth });
}

describe('CSV', () => {
  it('has the fixed header and one row per target for the total plus one per layer, all of equal width', () => {
    const lines = reportsToCsv([report()]).trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines[0]).toMatch(/^design,model,target,board,row,instances,lut4,ff,carry,bram,spram,dsp,/);
    expect(lines).toHaveLength(1 + 2 * (1 + 3));
    for (const l of lines) expect(splitCsvLine(l)).toHaveLength(CSV_HEADER.length);
    const rows = lines.slice(1).map(splitCsvLine);
    const col = (name: (typeof CSV_HEADER)[number]) => CSV_HEADER.indexOf(name);
    expect(rows.map((r) => `${r[col('target')]}/${r[col('row')]}`)).toEqual([
      'ecp5-25f/total', 'ecp5-25f/window', 'ecp5-25f/dense', 'ecp5-25f/argmax',
      'ice40-up5k/total', 'ice40-up5k/window', 'ice40-up5k/dense', 'ice40-up5k/argmax',
    ]);
    const iceTotal = rows[4]!;
    expect(iceTotal[col('lut4')]).toBe('204');
    expect(iceTotal[col('seeds')]).toBe('1;2');
    expect(iceTotal[col('fmax_max_mhz')]).toBe('44.25');
    expect(iceTotal[col('cycles_source')]).toBe('estimate');
    expect(iceTotal[col('accuracy')]).toBe(''); // missing values are empty cells
  });
});

describe('LaTeX', () => {
  it('writes booktabs tabulars whose rows have as many cells as the column spec', () => {
    const tex = reportToLatex(report());
    const tabulars = [...tex.matchAll(/\\begin\{tabular\}\{([lrc]+)\}\n([\s\S]*?)\\end\{tabular\}/g)];
    expect(tabulars).toHaveLength(1 + 2);
    for (const [, spec, body] of tabulars) {
      expect(body).toMatch(/^\\toprule\n/);
      expect(body).toMatch(/\\bottomrule\n$/);
      const rows = body!.split('\n').filter((l) => l.endsWith('\\\\'));
      expect(rows.length).toBeGreaterThan(1);
      // unescaped & separate cells
      for (const row of rows) expect(row.split(/(?<!\\)&/).length).toBe(spec!.length);
    }
    expect(tex.match(/\\begin\{table\}/g)).toHaveLength(3);
    expect(tex.match(/\\end\{table\}/g)).toHaveLength(3);
    expect(tex).toContain('ice40-up5k & icebreaker & 204 & 221 & 27 & 1 & 0 & 0 &');
  });

  it('escapes the characters LaTeX treats specially', () => {
    expect(texEscape('a_b & 50% #1 {x} $y ~ ^ \\')).toBe('a\\_b \\& 50\\% \\#1 \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
  });
});

describe('Markdown', () => {
  it('writes tables whose rows all have the header\'s column count, with dashes for missing values', () => {
    const md = reportToMarkdown(report());
    const lines = md.split('\n');
    let header = -1;
    for (const l of lines) {
      if (!l.startsWith('|')) {
        header = -1;
        continue;
      }
      const cells = l.replace(/\\\|/g, '').split('|').length;
      if (header < 0) header = cells;
      else expect(cells).toBe(header);
    }
    expect(md).toContain('## Per layer: ice40-up5k (icebreaker)');
    expect(md).toContain('| window | u_window | 15 | 136 |');
    expect(md).toContain('172 (est.)');
    // per module: own cells; the popcount and the ROM sit inside the dense engine
    expect(md).toContain('## Per module: ice40-up5k (icebreaker)');
    expect(md).toMatch(/\| fx_popcount \| 1 \| \d+ \| 5 \|/);
    expect(md).toMatch(/\| fx_weight_rom \| 1 \| 0 \| 0 \| 0 \| 1 \|/);
    expect(md).toContain('Accuracy: —');
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same inputs, whatever order the results come in', () => {
    for (const format of REPORT_FORMATS) {
      const a = renderReport(report(['ice40-up5k', 'ecp5-25f']), format);
      const b = renderReport(report(['ecp5-25f', 'ice40-up5k']), format);
      expect(b).toBe(a);
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MalformedToolOutputError } from '../../src/synth/errors.ts';
import { parseIcetime } from '../../src/synth/icetime.ts';
import { parsePnrReport } from '../../src/synth/nextpnr-report.ts';
import { RESOURCE_CLASSES, addCounts, classifyCell, emptyCounts } from '../../src/synth/resources.ts';
import { hierarchicalCounts, ownCounts, parseYosysStat, sanitizeStatJson, sourceModuleName } from '../../src/synth/yosys-stat.ts';

const STAT_023 = readFileSync(join(import.meta.dirname, 'data/yosys-0.23-stat-hierarchy.txt'), 'utf8');

describe('yosys stat -json (0.23 with hierarchy)', () => {
  it('is not valid JSON as Yosys 0.23 writes it (the reason for the sanitizer)', () => {
    expect(() => JSON.parse(STAT_023)).toThrow();
  });

  it('parses after dropping the plain-text hierarchy listing, and the hierarchy walk matches the design totals', () => {
    const stat = parseYosysStat(STAT_023, 'stat.json');
    expect([...stat.modules.keys()].map(sourceModuleName).sort()).toEqual(['fx_argmax', 'fx_dense', 'fx_popcount', 'fx_top', 'fx_weight_rom', 'fx_window']);
    const total = hierarchicalCounts(stat, 'fx_top', 'ice40');
    expect(total.lut4).toBe(stat.designCellsByType!.SB_LUT4);
    expect(total.carry).toBe(stat.designCellsByType!.SB_CARRY);
    expect(total.bram).toBe(1);
    const ffTypes = Object.entries(stat.designCellsByType!).filter(([t]) => t.startsWith('SB_DFF'));
    expect(total.ff).toBe(ffTypes.reduce((a, [, n]) => a + n, 0));
    // the top has no primitive cells of its own in this design
    expect(RESOURCE_CLASSES.every((c) => ownCounts(stat, 'fx_top', 'ice40')[c] === 0)).toBe(true);
  });

  it('leaves valid JSON untouched', () => {
    const valid = JSON.stringify({ modules: { '\\a': { num_cells_by_type: { SB_LUT4: 3 } } } }, null, 2);
    expect(sanitizeStatJson(valid)).toBe(valid);
    expect(hierarchicalCounts(parseYosysStat(valid, 'x'), 'a', 'ice40').lut4).toBe(3);
  });

  it('rejects output without modules, naming the step and file', () => {
    const err = (() => {
      try {
        parseYosysStat('{"design": {}}', '/b/stat.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MalformedToolOutputError);
    expect((err as Error).message).toMatch(/^synthesis \(yosys stat\): malformed tool output in \/b\/stat\.json: no "modules"/);
  });

  it('names source modules of parameterised copies', () => {
    expect(sourceModuleName('$paramod$bfebac40\\fx_dense')).toBe('fx_dense');
    expect(sourceModuleName("$paramod\\fx_argmax\\CLASS_BITS=s32'011")).toBe('fx_argmax');
    expect(sourceModuleName('\\fx_top')).toBe('fx_top');
  });
});

describe('resource classes', () => {
  it('maps iCE40 and ECP5 primitives to the report columns and keeps the rest by name', () => {
    expect(classifyCell('ice40', 'SB_DFFESR')).toBe('ff');
    expect(classifyCell('ice40', 'SB_RAM40_4KNR')).toBe('bram');
    expect(classifyCell('ice40', 'SB_SPRAM256KA')).toBe('spram');
    expect(classifyCell('ice40', 'SB_MAC16')).toBe('dsp');
    expect(classifyCell('ecp5', 'CCU2C')).toBe('carry');
    expect(classifyCell('ecp5', 'DP16KD')).toBe('bram');
    expect(classifyCell('ecp5', 'MULT18X18D')).toBe('dsp');
    expect(classifyCell('ecp5', 'PFUMX')).toBeUndefined();
    const sum = addCounts({ ...emptyCounts(), lut4: 2, other: { PFUMX: 1 } }, { ...emptyCounts(), lut4: 3, other: { L6MUX21: 2 } });
    expect(sum.lut4).toBe(5);
    expect(Object.keys(sum.other)).toEqual(['L6MUX21', 'PFUMX']);
  });
});

describe('nextpnr --report', () => {
  const good = {
    fmax: { 'clk$SB_IO_IN_$glb_clk': { achieved: 41.5, constraint: 12 } },
    utilization: { ICESTORM_LC: { used: 372, available: 5280 }, ICESTORM_DSP: { used: 0, available: 8 } },
    critical_paths: [],
  };

  it('reads Fmax and utilisation (only cells in use)', () => {
    const r = parsePnrReport(JSON.stringify(good), 'r.json', 'place and route');
    expect(r.fmaxMhz).toBe(41.5);
    expect(r.utilisation).toEqual({ ICESTORM_LC: { used: 372, available: 5280 } });
  });

  it('picks the clk clock when there are several', () => {
    const two = { ...good, fmax: { 'other$glb': { achieved: 10, constraint: 12 }, '$glbnet$clk$TRELLIS_IO_IN': { achieved: 70, constraint: 25 } } };
    expect(parsePnrReport(JSON.stringify(two), 'r.json', 'pnr').fmaxMhz).toBe(70);
  });

  it('reports no Fmax (null) when nextpnr timed no clock', () => {
    expect(parsePnrReport(JSON.stringify({ ...good, fmax: {} }), 'r.json', 'pnr').fmaxMhz).toBeNull();
  });

  it.each([
    ['truncated JSON', '{"fmax": {', /not JSON/],
    ['missing fmax', JSON.stringify({ utilization: good.utilization }), /fmax: /],
    ['a string where a number belongs', JSON.stringify({ ...good, fmax: { clk: { achieved: 'fast', constraint: 12 } } }), /fmax\.clk\.achieved/],
  ])('rejects %s with a message naming the step, file and log', (_name, text, problem) => {
    let err: unknown;
    try {
      parsePnrReport(text, '/b/pnr-seed1.json', 'place and route (nextpnr-ice40, seed 1)', '/b/pnr-seed1.log');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MalformedToolOutputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^place and route \(nextpnr-ice40, seed 1\): malformed tool output in \/b\/pnr-seed1\.json: /);
    expect(msg).toMatch(problem);
    expect(msg).toMatch(/log kept: \/b\/pnr-seed1\.log$/);
  });
});

describe('icetime', () => {
  it('reads the summary lines', () => {
    const text = 'Report for critical path:\n...\nTotal number of logic levels: 11\nTotal path delay: 24.07 ns (41.54 MHz)\n\n';
    expect(parseIcetime(text, 'icetime.log')).toEqual({ pathDelayNs: 24.07, fmaxMhz: 41.54, logicLevels: 11 });
  });

  it('rejects output without a path delay', () => {
    expect(() => parseIcetime('icetime: something else\n', 'icetime.log')).toThrow(/static timing \(icetime\): malformed tool output in icetime\.log/);
  });
});

/**
 * End to end on the hand-written fixture design: Yosys + nextpnr (+ icetime, + bitstream) on
 * iCE40 UP5K and ECP5-25F, then the failure paths. Few and small runs: the fixture places and
 * routes in seconds.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolFailedError, clearToolCache, findOnPath } from '../../src/tools/index.ts';
import { buildReport } from '../../src/report/build.ts';
import { fmaxSpreadText } from '../../src/report/format-common.ts';
import { reportsToCsv } from '../../src/report/format-csv.ts';
import { loadManifest } from '../../src/synth/design-dir.ts';
import { flowSeedsText } from '../../src/flow/flow.ts';
import { MalformedToolOutputError } from '../../src/synth/errors.ts';
import { RESOURCE_CLASSES, sumCounts } from '../../src/synth/resources.ts';
import { readSynthResult, synthesize, type SynthResult } from '../../src/synth/index.ts';
import { copyFixture, missingTools } from './helpers.ts';

const ice40Missing = await missingTools(['yosys', 'nextpnr-ice40', 'icetime', 'icepack']);
const ecp5Missing = await missingTools(['yosys', 'nextpnr-ecp5', 'ecppack']);
if (ice40Missing.length) console.warn(`skipping iCE40 synthesis tests: missing ${ice40Missing.join(', ')} (run scripts/setup.sh)`);
if (ecp5Missing.length) console.warn(`skipping ECP5 synthesis tests: missing ${ecp5Missing.join(', ')} (run scripts/setup.sh)`);

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
  clearToolCache();
});

function checkBreakdown(r: SynthResult): void {
  const total = r.synthesis.resources;
  const parts = sumCounts([r.synthesis.topOwn, ...r.synthesis.instances.map((i) => i.resources)]);
  for (const c of RESOURCE_CLASSES) {
    // every instance is part of the total, and instances + the top's own cells are all of it
    for (const i of r.synthesis.instances) expect(i.resources[c]).toBeLessThanOrEqual(total[c]);
    expect(parts[c]).toBe(total[c]);
  }
  expect(r.synthesis.instances.map((i) => i.name)).toEqual(['u_argmax', 'u_dense', 'u_window']);
  const dense = r.synthesis.instances.find((i) => i.name === 'u_dense')!;
  expect(dense.module).toBe('fx_dense');
  expect(dense.children.map((c) => `${c.path}:${c.module}`)).toEqual(['u_dense.u_popcount:fx_popcount', 'u_dense.u_rom:fx_weight_rom']);
  // the weight ROM is the one block RAM, and it sits in the dense engine
  expect(total.bram).toBe(1);
  expect(dense.resources.bram).toBe(1);
  // the window's shift register: 128 bits + 7-bit count + valid
  expect(r.synthesis.instances.find((i) => i.name === 'u_window')!.resources.ff).toBe(136);
}

describe.skipIf(ice40Missing.length > 0)('synth on ice40-up5k', () => {
  it('synthesizes, places and routes over two seeds, times with icetime, packs a bitstream', async () => {
    const design = copyFixture();
    const r = await synthesize(design, 'ice40-up5k', { seeds: 2, bitstream: true });
    const dir = join(design, 'build', 'ice40-up5k');
    expect(readSynthResult(join(dir, 'synth.json'))).toEqual(r);
    expect(r.board).toBe('icebreaker');
    expect(r.synthesis.resources.lut4).toBeGreaterThan(100);
    expect(r.synthesis.resources.lut4).toBeLessThan(1000);
    expect(r.synthesis.resources.ff).toBeGreaterThan(136);
    expect(r.synthesis.resources.carry).toBeGreaterThan(0);
    checkBreakdown(r);
    expect(r.pnr.runs.map((x) => x.seed)).toEqual([1, 2]);
    for (const run of r.pnr.runs) {
      expect(run.fmaxMhz).toBeGreaterThan(10);
      expect(run.utilisation.ICESTORM_LC!.used).toBeGreaterThanOrEqual(r.synthesis.resources.lut4);
      expect(run.utilisation.ICESTORM_RAM!.used).toBe(1);
      expect(existsSync(join(dir, run.log))).toBe(true);
    }
    const s = r.pnr.fmaxSpread!;
    expect(s.seeds).toBe(2);
    expect(s.min).toBeLessThanOrEqual(s.median);
    expect(s.median).toBeLessThanOrEqual(s.max);
    expect(r.icetime!.fmaxMhz).toBeGreaterThan(10);
    expect(r.bitstream).toBe('fx_top.bin');
    expect(readFileSync(join(dir, 'fx_top.bin')).length).toBeGreaterThan(50_000);
    expect(Object.keys(r.tools).sort()).toEqual(['icepack', 'icetime', 'nextpnr-ice40', 'yosys']);
    expect(r.tools.yosys!.version).toMatch(/Yosys/);
    expect(readFileSync(join(dir, 'icebreaker.pcf'), 'utf8')).toContain('set_io clk 35');

    // same design, tools and seed: byte-identical synth.json
    const first = readFileSync(join(dir, 'synth.json'), 'utf8');
    await synthesize(design, 'ice40-up5k', { seeds: 2, bitstream: true });
    expect(readFileSync(join(dir, 'synth.json'), 'utf8')).toBe(first);
  });

  it('a pin the package does not have fails place and route with the step named and the log kept', async () => {
    const design = copyFixture();
    const constraintsDir = mkdtempSync(join(tmpdir(), 'bb-boards-'));
    mkdirSync(join(constraintsDir, 'boards'));
    const board = JSON.parse(readFileSync(join(import.meta.dirname, '../../constraints/boards/icebreaker.json'), 'utf8'));
    board.board = 'broken';
    board.pins[0].pin = '99'; // SG48 has no pin 99
    writeFileSync(join(constraintsDir, 'boards', 'broken.json'), JSON.stringify(board));
    const err = await synthesize(design, 'ice40-up5k', { board: 'broken', constraintsDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolFailedError);
    const log = join(design, 'build', 'ice40-up5k-broken', 'pnr-seed1.log');
    expect((err as Error).message).toMatch(/^place and route \(nextpnr-ice40, seed 1\): nextpnr-ice40 exited with code \d+/);
    expect((err as Error).message).toContain(`full log: ${log}`);
    expect(readFileSync(log, 'utf8')).toMatch(/99/);
    expect(existsSync(join(design, 'build', 'ice40-up5k-broken', 'synth.json'))).toBe(false);
  });

  it('a nextpnr that writes a malformed report stops with the step named, and no synth.json', async () => {
    const design = copyFixture();
    const fake = join(mkdtempSync(join(tmpdir(), 'bb-fake-')), 'fake-nextpnr');
    // exits 0 but writes a truncated report wherever --report points
    writeFileSync(
      fake,
      '#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = "--report" ]; then printf \'{"fmax": {\' > "$2"; fi; shift; done\nexit 0\n',
    );
    chmodSync(fake, 0o755);
    process.env.BITBEAT_NEXTPNR_ICE40 = fake;
    clearToolCache();
    const err = await synthesize(design, 'ice40-up5k', { icetime: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedToolOutputError);
    expect((err as Error).message).toMatch(/^place and route \(nextpnr-ice40, seed 1\): malformed tool output in .*pnr-seed1\.json: not JSON/);
    expect(existsSync(join(design, 'build', 'ice40-up5k', 'pnr-seed1.log'))).toBe(true);
    expect(existsSync(join(design, 'build', 'ice40-up5k', 'synth.json'))).toBe(false);
  });

  it('a seed after the primary that finds no placement is recorded, and the spread is over the seeds that placed; a failing primary seed still fails', async () => {
    const real = findOnPath('nextpnr-ice40')!;
    // the real nextpnr, except that the seed named by FAIL_SEED stops the way an over-full design does
    const fake = join(mkdtempSync(join(tmpdir(), 'bb-fake-')), 'nextpnr-some-seeds');
    writeFileSync(
      fake,
      `#!/bin/sh\nprev=\nfor a in "$@"; do if [ "$prev" = "--seed" ] && [ "$a" = "$FAIL_SEED" ]; then echo "ERROR: Unable to find legal placement for all cells, design is likely too big for the selected device." >&2; exit 1; fi; prev="$a"; done\nexec ${real} "$@"\n`,
    );
    chmodSync(fake, 0o755);
    process.env.BITBEAT_NEXTPNR_ICE40 = fake;
    process.env.FAIL_SEED = '2';
    clearToolCache();
    const design = copyFixture();
    const r = await synthesize(design, 'ice40-up5k', { seeds: 3, icetime: false });
    expect(r.pnr.runs.map((x) => x.seed)).toEqual([1, 3]);
    expect(r.pnr.failedRuns).toEqual([{ seed: 2, error: expect.stringMatching(/^place and route \(nextpnr-ice40, seed 2\): .*Unable to find legal placement.*full log: pnr-seed2\.log$/), log: 'pnr-seed2.log' }]);
    expect(r.pnr.fmaxSpread!.seeds).toBe(2);
    const report = buildReport({ manifest: loadManifest(design), synth: [r] });
    expect(report.targets[0]!.failedSeeds).toEqual([2]);
    expect(fmaxSpreadText(report.targets[0]!)).toMatch(/^\d+\.\d\/\d+\.\d\/\d+\.\d \(seed 2 did not place\)$/);
    expect(reportsToCsv([report])).toMatch(/,1;3,2,/);
    expect(flowSeedsText(report.targets[0]!)).toMatch(/^; over 2 seeds min\/median\/max \d+\.\d\/\d+\.\d\/\d+\.\d MHz; seed 2 did not place and route$/);

    process.env.FAIL_SEED = '1';
    await expect(synthesize(design, 'ice40-up5k', { seeds: 2, icetime: false })).rejects.toThrow(/^place and route \(nextpnr-ice40, seed 1\): .*Unable to find legal placement/);
    expect(existsSync(join(design, 'build', 'ice40-up5k', 'synth.json'))).toBe(false);
  });

  it('refuses a simulation build with trace ports before any tool runs', async () => {
    const design = copyFixture();
    const manifest = JSON.parse(readFileSync(join(design, 'manifest.json'), 'utf8'));
    manifest.trace = [{ stream: 'dense', kind: 'preact', validPort: 't_valid', dataPort: 't_data', elementBits: 8, elementsPerBeat: 1, beatsPerWindow: 5 }];
    writeFileSync(join(design, 'manifest.json'), JSON.stringify(manifest));
    await expect(synthesize(design, 'ice40-up5k')).rejects.toThrow(/generated with trace ports .* without tracing/);
    expect(existsSync(join(design, 'build'))).toBe(false);
  });

  it('a missing tool stops before anything runs, naming what needed it', async () => {
    const design = copyFixture();
    process.env.PATH = mkdtempSync(join(tmpdir(), 'bb-empty-path-'));
    process.env.BITBEAT_PREFER_NPM = '0';
    clearToolCache();
    const err = await synthesize(design, 'ecp5-25f').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not found \(needed for (synthesis|place and route)\)/);
    expect(existsSync(join(design, 'build'))).toBe(false);
  });
});

describe.skipIf(ecp5Missing.length > 0)('synth on ecp5-25f', () => {
  it('synthesizes, places and routes on the ULX3S pins and writes a bitstream', async () => {
    const design = copyFixture();
    const r = await synthesize(design, 'ecp5-25f', { bitstream: true });
    const dir = join(design, 'build', 'ecp5-25f');
    expect(r.board).toBe('ulx3s');
    expect(r.package).toBe('CABGA381');
    expect(r.synthesis.resources.lut4).toBeGreaterThan(100);
    expect(r.synthesis.resources.carry).toBeGreaterThan(0);
    checkBreakdown(r);
    const run = r.pnr.runs[0]!;
    expect(run.fmaxMhz).toBeGreaterThan(20);
    expect(run.utilisation.DP16KD!.used).toBe(1);
    expect(run.utilisation.TRELLIS_FF!.used).toBe(r.synthesis.resources.ff);
    expect(r.pnr.fmaxSpread!.seeds).toBe(1);
    expect(r.icetime).toBeNull();
    expect(r.bitstream).toBe('fx_top.bit');
    expect(existsSync(join(dir, 'fx_top.bit'))).toBe(true);
    expect(readFileSync(join(dir, 'ulx3s.lpf'), 'utf8')).toContain('LOCATE COMP "clk" SITE "G2";');
  });
});

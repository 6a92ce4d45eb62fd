/** `bitbeat cosim` on the fixture design: summary, cosim.json, exit codes, argument errors. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCosimResult } from '../../sim/cosim/result.ts';
import { readVcd } from '../../sim/cosim/vcd.ts';
import { writeDatasetFile } from '../../src/data/dataset.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { copyFixture, FIXTURE, flipHexBit, verilatorMissing } from './helpers.ts';

const bin = join(import.meta.dirname, '../../bin/bitbeat.js');
const bitbeat = (args: string[]) => spawnSync(process.execPath, [bin, 'cosim', ...args], { encoding: 'utf8' });
const skip = await verilatorMissing();

describe.skipIf(skip)('bitbeat cosim', () => {
  it('cosimulates synthetic windows, prints the summary and writes cosim.json', () => {
    const dir = copyFixture();
    const r = bitbeat(['--design', dir, '--synthetic', '30', '--backpressure', '0.25', '--seed', '7']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^windows: 30$/m);
    expect(r.stdout).toMatch(/^mismatches: 0 \(classes 0, trace elements 0; timing run 0 of 7 windows; streams normalizer\/z, conv0\/preact, conv0\/logits\)$/m);
    expect(r.stdout).toMatch(/^per window\s+32\s+32\s+\+0\.00 %$/m);
    expect(r.stdout).toMatch(/^latency\s+3\s+3\s+\+0\.00 %$/m);
    const result = readCosimResult(join(dir, 'cosim.json'));
    expect(result).toMatchObject({ windows: 30, mismatches: 0, backpressure: 0.25, seed: 7, input: { kind: 'synthetic', seed: 7 }, estimate: { cyclesPerWindow: 32, latencyCycles: 3 } });
    expect(result.verilator).toMatch(/Verilator \d/);
    expect(result.designHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes a well-formed VCD with a GTKWave save file beside it, and takes --processes', () => {
    const dir = copyFixture();
    const vcd = join(dir, 'wave.vcd');
    const r = bitbeat(['--design', dir, '--synthetic', '3', '--vcd', vcd, '--processes', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/main run in 1 part\) and compared in [\d.]+ s with 1 simulator process: /);
    expect(r.stderr).toMatch(new RegExp(`^VCD written to ${vcd} \\(\\d+ timestamps, \\d+ signals; view: gtkwave ${vcd} ${join(dir, 'wave.gtkw')}\\)$`, 'm'));
    const v = readVcd(readFileSync(vcd, 'utf8'));
    expect(v.timescale).toBe('1ps');
    const port = (name: string) => v.vars.find((x) => x.scope.length === 1 && x.name === name)!;
    // clk toggles every half cycle; the handshakes and the trace stream move
    expect(v.changes.get(port('clk').id)).toBeGreaterThan(3 * 32);
    for (const name of ['s_valid', 's_data', 'm_valid', 'trace_z_valid', 'trace_logits_data']) expect(v.changes.get(port(name).id), name).toBeGreaterThan(2);
    const gtkw = readFileSync(join(dir, 'wave.gtkw'), 'utf8');
    expect(gtkw).toContain(`[dumpfile] "${vcd}"`);
    // every listed signal exists in the VCD, in pipeline order of the manifest's trace ports
    const listed = gtkw.split('\n').filter((l) => l.startsWith('TOP.'));
    expect(listed).toEqual(['clk', 'rst', 's_valid', 's_ready', 's_data[11:0]', 'm_valid', 'm_ready', 'm_class[1:0]', 'trace_z_valid', 'trace_z_data[7:0]', 'trace_pre_valid', 'trace_pre_data[47:0]', 'trace_logits_valid', 'trace_logits_data[71:0]'].map((n) => `TOP.${n}`));
    for (const l of listed) expect(v.vars.some((x) => `${x.scope.join('.')}.${x.name}${x.range}` === l), l).toBe(true);
  });

  it('takes windows from a dataset split', () => {
    const dir = copyFixture();
    const ds = syntheticDataset({ seed: 5, perClass: 10, classes: ['a', 'b', 'c'], windowLength: 32 });
    const file = join(mkdtempSync(join(tmpdir(), 'bb-cosim-ds-')), 'tiny.bbds');
    writeDatasetFile(file, ds);
    const r = bitbeat(['--design', dir, '--dataset', file, '--split', 'all', '--windows', '12', '--backpressure', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(readCosimResult(join(dir, 'cosim.json'))).toMatchObject({ windows: 12, mismatches: 0, input: { kind: 'dataset', file, split: 'all' } });
  });

  it('exits non-zero on a mismatch and names the layer', () => {
    const dir = copyFixture();
    flipHexBit(join(dir, 'cs_weights.hex'), 9, 2);
    const r = bitbeat(['--design', dir, '--synthetic', '30']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^first mismatch: window \d+, layer conv0 \(preact, layer index 0\), position 0, channel 2: expected -?\d+, actual -?\d+$/m);
    expect(r.stderr).toMatch(/^bitbeat: cosim: design sign3 differs from the reference in \d+ window\(s\)/);
    expect(readCosimResult(join(dir, 'cosim.json')).firstMismatch).toMatchObject({ stream: 'conv0', channel: 2 });
  });

  it('explains bad arguments in one line', () => {
    const cases: [string[], RegExp][] = [
      [['--design', FIXTURE], /pass exactly one of --dataset <file> and --synthetic <n>/],
      [['--design', FIXTURE, '--synthetic', '3', '--backpressure', '1'], /--backpressure 1: must be a number in \[0, 1\)/],
      [['--design', FIXTURE, '--synthetic', '3', '--windows', '2'], /--windows goes with --dataset/],
      [['--design', '/nonexistent/design', '--synthetic', '3'], /--design \/nonexistent\/design: not a directory/],
      [['--design', FIXTURE, '--synthetic', '3', '--model', join(import.meta.dirname, '../fixtures/design-small/manifest.json')], /not valid|field|model/],
    ];
    for (const [args, msg] of cases) {
      const r = bitbeat(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(FIXTURE, 'cosim.json'))).toBe(false);
  });
});

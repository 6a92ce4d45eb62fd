/**
 * generateDesign and `bitbeat generate`: determinism, failing before writing, and every
 * generated design lint-clean (verilator -Wall) and Yosys check -assert clean.
 * Yosys on the shipped models takes minutes each, so it runs only with BITBEAT_SLOW_TESTS=1;
 * their Verilator lint always runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { DesignManifestSchema } from '../../src/design/manifest.ts';
import { getTarget } from '../../src/design/targets.ts';
import { makeRng } from '../../src/data/rng.ts';
import { loadModel } from '../../src/model/load.ts';
import { randomModel } from '../../src/model/random.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { autoFolding } from '../../hdl-gen/auto.ts';
import { estimateDesign } from '../../hdl-gen/estimate.ts';
import { fullyFolded, fullyParallel, type ResolvedFolding } from '../../hdl-gen/folding.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { resolveFoldingSpec } from '../../src/flow/folding-spec.ts';
import { btpnShapedModel, smallModel } from './fixtures.ts';
import { lintAndCheckDir } from './tools.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';

const work = mkdtempSync(join(tmpdir(), 'bitbeat-generate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const up5k = getTarget('ice40-up5k');
const ecp5 = getTarget('ecp5-85f');
const REPO = join(import.meta.dirname, '..', '..');

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

async function generateAndCheck(model: QModel, folding: ResolvedFolding, name: string, yosys: boolean): Promise<void> {
  const dir = join(work, name);
  const manifest = generateDesign(model, folding, up5k, dir, { allowOverBudget: true });
  DesignManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  expect(manifest.files.verilog[manifest.files.verilog.length - 1]).toBe(`${manifest.top}.v`);
  if (yosys) {
    await lintAndCheckDir(dir, manifest.files.verilog, manifest.top);
  } else {
    const verilator = await resolveTool('verilator', 'linting generated Verilog');
    const lint = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', manifest.top, ...manifest.files.verilog], { cwd: dir, check: false });
    expect(lint.stderr + lint.stdout).toBe('');
    expect(lint.code).toBe(0);
  }
}

describe('generateDesign', () => {
  const model = smallModel();

  it('writes Verilog, ROM .hex files and a valid manifest; same inputs give byte-identical directories', () => {
    const a = join(work, 'one', 'design');
    const b = join(work, 'two', 'design');
    const m1 = generateDesign(model, fullyFolded(model), up5k, a, { trace: true });
    generateDesign(model, fullyFolded(model), up5k, b, { trace: true });
    const fa = filesOf(a);
    expect(Object.keys(fa)).toContain('manifest.json');
    expect(m1.files.memories.length).toBeGreaterThan(0);
    expect(m1.trace!.map((t) => t.stream)).toEqual(['normalizer', 'conv0', 'conv1', 'dense']);
    expect(fa).toEqual(filesOf(b));
    // regenerating in place replaces the directory with the same bytes
    generateDesign(model, fullyFolded(model), up5k, a, { trace: true });
    expect(filesOf(a)).toEqual(fa);
    // no temporary directory is left behind
    expect(readdirSync(join(work, 'one'))).toEqual(['design']);
  });

  it('impossible requests fail before any file is written', () => {
    const btpn = btpnShapedModel();
    const dir = join(work, 'too-big');
    expect(() => generateDesign(btpn, fullyParallel(btpn), up5k, dir)).toThrow(UserError);
    expect(() => generateDesign(btpn, fullyParallel(btpn), up5k, dir)).toThrow(/needs about \d+ LUT4.* but ice40-up5k has 5280 LUT4/);
    expect(existsSync(dir)).toBe(false);
    const logits = { kind: 'logits' as const, reduce: 'sum' as const, fracBits: 0, fns: Array.from({ length: 4 }, () => ({ pos: 1, neg: 1, bias: 0 })) };
    const notLast: QModel = { ...model, layers: model.layers.map((l, i) => (i === 0 ? { ...l, out: logits } : l)) } as QModel;
    expect(() => generateDesign(notLast, fullyFolded(model), up5k, dir)).toThrow(/produces logits but is not the last layer/);
    expect(existsSync(dir)).toBe(false);
  });

  it('names the top module after the directory, as a safe Verilog identifier', () => {
    expect(generateDesign(model, fullyFolded(model), up5k, join(work, 'ids', 'module')).top).toBe('bb_module');
    expect(generateDesign(model, fullyFolded(model), up5k, join(work, 'ids', '3x--up5k.v2')).top).toBe('d_3x_up5k_v2');
  });

  it('refuses to overwrite a directory that is not a design', () => {
    const dir = join(work, 'not-a-design');
    generateDesign(model, fullyFolded(model), up5k, join(dir, 'x'));
    rmSync(join(dir, 'x', 'manifest.json'));
    expect(() => generateDesign(model, fullyFolded(model), up5k, join(dir, 'x'))).toThrow(/is not a bitbeat design directory/);
  });
});

describe('generated designs pass verilator -Wall and yosys check -assert', () => {
  const model = smallModel();
  it('small model: fully folded, fully parallel, auto (--fit), with trace ports', async () => {
    await generateAndCheck(model, fullyFolded(model), 'small_ff', true);
    await generateAndCheck(model, fullyParallel(model), 'small_fp', true);
    await generateAndCheck(model, autoFolding(model, up5k, { kind: 'fit', device: up5k }).folding, 'small_auto', true);
    const dir = join(work, 'small_trace');
    const m = generateDesign(model, fullyFolded(model), up5k, dir, { trace: true });
    await lintAndCheckDir(dir, m.files.verilog, m.top);
  });

  for (const seed of [3, 9]) {
    it(`random model ${seed}: auto (--target-cycles) and fully parallel`, async () => {
      const rm = randomModel(makeRng(seed), { inputLength: [24, 48], maxChannels: 6, binaryConvLayers: [0, 2] });
      const folded = fullyFolded(rm);
      await generateAndCheck(rm, folded, `rand${seed}_ff`, true);
      await generateAndCheck(rm, fullyParallel(rm), `rand${seed}_fp`, true);
    });
  }

  const shipped = readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.json') && !f.includes('.metrics.'));
  for (const file of shipped) {
    it(`shipped model ${file}: fully folded, auto, highly parallel${process.env.BITBEAT_SLOW_TESTS ? ' (with yosys)' : ' (lint; yosys with BITBEAT_SLOW_TESTS=1)'}`, async () => {
      const m = loadModel(join(REPO, 'models', file));
      const slow = !!process.env.BITBEAT_SLOW_TESTS;
      await generateAndCheck(m, fullyFolded(m), 'shipped_ff', slow);
      await generateAndCheck(m, autoFolding(m, ecp5, { kind: 'fit', device: ecp5 }).folding, 'shipped_auto', slow);
      // highly parallel: the cheapest design within twice the fully parallel floor
      const floor = estimateDesign(m, fullyParallel(m), ecp5).cyclesPerWindow;
      await generateAndCheck(m, autoFolding(m, ecp5, { kind: 'cycles', targetCycles: 2 * floor }).folding, 'shipped_par', false);
    });
  }
});

describe('bitbeat generate (CLI)', () => {
  const bin = join(REPO, 'bin', 'bitbeat.js');
  const modelFile = join(work, 'small.json');

  it('prints the analytical model table first, then writes the design', () => {
    const { writeFileSync } = require('node:fs') as typeof import('node:fs');
    writeFileSync(modelFile, JSON.stringify(smallModel()));
    const out = join(work, 'cli', 'small-up5k');
    const r = spawnSync('node', [bin, 'generate', '--model', modelFile, '--target', 'ice40-up5k', '--folding', 'auto', '--target-cycles', '600', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^layer\s+shape\s+PE\s+SIMD\s+cycles\s+LUT\s+FF\s+BRAM/);
    expect(r.stdout).toMatch(/cycles per window \d+ \(bottleneck: \w+\)/);
    expect(lines.find((l) => l.startsWith('wrote '))).toContain(out);
    const manifest = DesignManifestSchema.parse(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.estimate.cyclesPerWindow).toBeLessThanOrEqual(600);
  });

  it('--folding auto without a goal is the design bitbeat flow makes; --fit-margin tightens --fit', () => {
    const { writeFileSync } = require('node:fs') as typeof import('node:fs');
    writeFileSync(modelFile, JSON.stringify(smallModel()));
    const up5k = getTarget('ice40-up5k');
    const plain = join(work, 'cli', 'auto-plain');
    const r = spawnSync('node', [bin, 'generate', '--model', modelFile, '--out', plain], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const manifest = DesignManifestSchema.parse(JSON.parse(readFileSync(join(plain, 'manifest.json'), 'utf8')));
    const flowFolding = resolveFoldingSpec(smallModel(), up5k, 'auto');
    expect(manifest.folding.map((l) => [l.pe, l.simd])).toEqual(flowFolding.layers.map((l) => [l.pe, l.simd]));
    const wrongMargin = spawnSync('node', [bin, 'generate', '--model', modelFile, '--fit', 'ice40-up5k', '--fit-margin', '1.5', '--estimate-only'], { encoding: 'utf8' });
    expect(wrongMargin.status).not.toBe(0);
    expect(wrongMargin.stderr.trim()).toBe("bitbeat: --fit-margin 1.5: expected a share of the device's LUT/FF budget in (0, 1], e.g. 0.85");
    const noFit = spawnSync('node', [bin, 'generate', '--model', modelFile, '--fit-margin', '0.5', '--estimate-only'], { encoding: 'utf8' });
    expect(noFit.stderr.trim()).toBe('bitbeat: --fit-margin applies to --fit only; add --fit <device> or remove it');
    // a margin too small for even the fully folded design is refused by name
    const tiny = spawnSync('node', [bin, 'generate', '--model', modelFile, '--fit', 'ice40-up5k', '--fit-margin', '0.001', '--estimate-only'], { encoding: 'utf8' });
    expect(tiny.status).not.toBe(0);
    expect(tiny.stderr).toMatch(/--fit ice40-up5k: no folding of model 'small' fits: .*\(LUT\/FF at 0 %\)/);
  });

  it('a bad folding file fails with one line naming the layer and the choices, writing nothing', () => {
    const { writeFileSync } = require('node:fs') as typeof import('node:fs');
    const folding = join(work, 'bad-folding.json');
    writeFileSync(folding, JSON.stringify({ layers: [{ layer: 'conv0', pe: 3, simd: 1 }, { layer: 'conv1', pe: 1, simd: 1 }, { layer: 'dense', pe: 1, simd: 1 }] }));
    const out = join(work, 'cli', 'bad');
    const r = spawnSync('node', [bin, 'generate', '--model', modelFile, '--folding', folding, '--out', out], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe(`bitbeat: ${folding}: layer 0 'conv0': PE 3 does not divide its 4 output channels; choose one of 1, 2, 4`);
    expect(existsSync(out)).toBe(false);
    const r2 = spawnSync('node', [bin, 'generate', '--model', modelFile, '--target-cycles', '5', '--out', out], { encoding: 'utf8' });
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/--target-cycles 5: model 'small' needs at least \d+ cycles per window/);
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * The input normalizer alone on the iCE40 UP5K: Yosys `synth_ice40 -dsp -noflatten` (cells per
 * module) and, with --pnr, nextpnr-ice40 (UP5K SG48, seed 1) for its Fmax. N = 3600, 12-bit
 * samples, DEFAULT_ZSCORE, two SPRAM buffers, dsp multipliers: what the generator builds for
 * the shipped models. Writes bench/normalizer-synth.json.
 *   npm run bench:normalizer (= --pnr), or npx tsx bench/normalizer-synth.ts [--pnr] [--logic] [--seed N]  (a seed other than 1 writes nothing)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { emitDesign } from '../src/hdl/index.ts';
import { DEFAULT_ZSCORE } from '../src/model/normalizer.ts';
import { resolveTool, runTool } from '../src/tools/index.ts';
import { writeFileAtomic } from '../src/io/write-atomic.ts';
import { buildNormalizer, estimateNormalizerResources, type NormalizerOptions } from '../hdl-gen/blocks/normalizer.ts';

const pnr = process.argv.includes('--pnr');
const logic = process.argv.includes('--logic');
const seedAt = process.argv.indexOf('--seed');
const seed = seedAt > 0 ? Number(process.argv[seedAt + 1]) : 1;
const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 3600, sampleBits: 12, buffers: 2, bufferStorage: 'spram', multipliers: logic ? 'logic' : 'dsp' };
const m = buildNormalizer(opts);
const dir = mkdtempSync(join(tmpdir(), 'bitbeat-nzsynth-'));
try {
  const files = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
  const yosys = await resolveTool('yosys', 'synthesizing the normalizer');
  const script = [`read_verilog ${files.join(' ')}`, `synth_ice40 -dsp -noflatten -top ${m.name} -json nz.json`, 'stat'].join('; ');
  const r = await runTool(yosys, ['-p', script], { cwd: dir, check: true });
  const stat = r.stdout.slice(r.stdout.lastIndexOf('Printing statistics'));
  const perModule: Record<string, Record<string, number>> = {};
  let cur = '';
  for (const line of stat.split('\n')) {
    const mod = /^=== (.+) ===/.exec(line);
    if (mod) { cur = mod[1] === 'design hierarchy' ? '' : mod[1]!; if (cur) perModule[cur] = {}; continue; }
    const cell = /^\s+(SB_\w+)\s+(\d+)$/.exec(line);
    if (cell && cur) perModule[cur]![cell[1]!] = Number(cell[2]);
  }
  const summary = Object.fromEntries(Object.entries(perModule).map(([k, c]) => [k, {
    lut4: c.SB_LUT4 ?? 0,
    ff: Object.entries(c).filter(([n]) => n.startsWith('SB_DFF')).reduce((a, [, v]) => a + v, 0),
    carry: c.SB_CARRY ?? 0,
    dsp: c.SB_MAC16 ?? 0,
    spram: c.SB_SPRAM256KA ?? 0,
  }]));
  const total = Object.values(summary).reduce((a, s) => ({ lut4: a.lut4 + s.lut4, ff: a.ff + s.ff, carry: a.carry + s.carry, dsp: a.dsp + s.dsp, spram: a.spram + s.spram }), { lut4: 0, ff: 0, carry: 0, dsp: 0, spram: 0 });
  const result: Record<string, unknown> = { opts: { ...opts, normalizer: 'DEFAULT_ZSCORE' }, modules: summary, total, estimate: estimateNormalizerResources(opts) };
  if (pnr) {
    const np = await resolveTool('nextpnr-ice40', 'placing the normalizer');
    const p = await runTool(np, ['--up5k', '--package', 'sg48', '--json', 'nz.json', '--pcf-allow-unconstrained', '--seed', String(seed), '--freq', '24', '--report', 'rep.json'], { cwd: dir, check: false });
    const rep = JSON.parse(readFileSync(join(dir, 'rep.json'), 'utf8')) as { fmax: Record<string, { achieved: number }>; utilization: Record<string, { used: number }> };
    result.fmaxMHz = Object.values(rep.fmax).map((f) => Math.round(f.achieved * 10) / 10);
    result.lc = rep.utilization.ICESTORM_LC?.used;
    const crit = /Critical path report for clock[\s\S]*?(?=\n\nInfo: Critical path report for cross|\nInfo: Max frequency|$)/.exec(p.stderr);
    const lines = (crit?.[0] ?? '').split('\n').filter((l) => /Net |Source|Sink/.test(l));
    result.criticalPath = [lines[0], lines[lines.length - 1]].filter(Boolean);
  }
  console.log(JSON.stringify(result, null, 2));
  if (seed === 1) writeFileAtomic(join('bench', `normalizer-synth${logic ? '-logic' : ''}.json`), JSON.stringify(result, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

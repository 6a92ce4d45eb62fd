/**
 * The RTL check of bench:rtl-check on a tiny generated design: Verilator -Wall and the light
 * Yosys script pass it, and the light script fails it once a combinational loop or a second
 * driver is added by hand (so the check can fail).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintDesign, yosysCheckDesign, yosysCheckScript } from '../../src/bench/rtl-check.ts';
import { getTarget } from '../../src/design/targets.ts';
import { loadModel } from '../../src/model/load.ts';
import { fullyFolded } from '../../hdl-gen/folding.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { missingTools } from '../synth/helpers.ts';

const TINY = join(import.meta.dirname, '../fixtures/cosim/sign3/model.json');
const missing = await missingTools(['yosys', 'verilator']);
if (missing.length) console.warn(`skipping the RTL check test: missing ${missing.join(', ')}`);

function tinyDesign() {
  const model = loadModel(TINY);
  const target = getTarget('ice40-up5k');
  const dir = join(mkdtempSync(join(tmpdir(), 'bb-rtlcheck-')), 'tiny');
  const manifest = generateDesign(model, fullyFolded(model), target, dir);
  return { dir, manifest, target };
}

/** Adds Verilog lines just before the top module's endmodule. */
function inject(dir: string, top: string, lines: string[]): void {
  const file = join(dir, `${top}.v`);
  const text = readFileSync(file, 'utf8');
  const at = text.lastIndexOf('endmodule');
  writeFileSync(file, `${text.slice(0, at)}${lines.join('\n')}\n${text.slice(at)}`);
}

describe('the light Yosys check script', () => {
  it('elaborates, lowers processes, flattens and checks, without technology mapping', () => {
    const script = yosysCheckScript({ top: 't', files: { verilog: ['a.v', 't.v'], memories: [] } }, 'light', getTarget('ecp5-25f'));
    expect(script.trim().split('\n')).toEqual(['read_verilog a.v t.v', 'hierarchy -check -top t', 'proc', 'flatten', 'check -assert']);
    // iCE40: the vendor cells a SYNTHESIS branch may instantiate (SB_MAC16) as black boxes
    const ice40 = yosysCheckScript({ top: 't', files: { verilog: ['a.v', 't.v'], memories: [] } }, 'light', getTarget('ice40-up5k'));
    expect(ice40.trim().split('\n')).toEqual(['read_verilog -lib +/ice40/cells_sim.v', 'read_verilog a.v t.v', 'hierarchy -check -top t', 'proc', 'flatten', 'check -assert']);
  });
});

describe.skipIf(missing.length > 0)('RTL check of a generated design', () => {
  it('is lint clean and passes check -assert; a loop or a second driver makes the check fail', async () => {
    const { dir, manifest, target } = tinyDesign();
    const lint = await lintDesign(dir, manifest);
    expect(lint.messages).toEqual([]);
    expect(lint.clean).toBe(true);
    const light = await yosysCheckDesign(dir, manifest, target, 'light');
    expect(light).toMatchObject({ passed: true, problems: 0 });

    const loop = tinyDesign();
    inject(loop.dir, loop.manifest.top, ['wire bb_a, bb_b;', 'assign bb_a = bb_b ^ s_valid;', 'assign bb_b = bb_a;']);
    const looped = await yosysCheckDesign(loop.dir, loop.manifest, loop.target, 'light');
    expect(looped.passed).toBe(false);
    expect(looped.problems).toBeGreaterThan(0);

    const two = tinyDesign();
    inject(two.dir, two.manifest.top, ["assign m_valid = 1'b0;"]);
    const doubled = await yosysCheckDesign(two.dir, two.manifest, two.target, 'light');
    expect(doubled.passed).toBe(false);
  });
});

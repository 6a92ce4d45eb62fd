/**
 * Every emitted test design passes `verilator --lint-only -Wall` with no warning at all, and
 * Yosys `synth_ice40` + `check -assert` (no latches, loops or undriven nets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitDesign } from '../../src/hdl/index.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';
import { allDesigns } from './designs.ts';

const work = mkdtempSync(join(tmpdir(), 'bitbeat-hdl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('emitted Verilog passes the tools', () => {
  for (const design of allDesigns()) {
    it(`${design.name}: verilator -Wall lint is silent, yosys synth_ice40 + check -assert pass`, async () => {
      const dir = join(work, design.name);
      const files = emitDesign(design, dir);
      const vfiles = files.filter((f) => f.endsWith('.v')).map((f) => basename(f));

      const verilator = await resolveTool('verilator', 'linting emitted Verilog');
      const lint = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', design.name, ...vfiles], { cwd: dir, check: false });
      expect(lint.stderr + lint.stdout).toBe('');
      expect(lint.code).toBe(0);

      const yosys = await resolveTool('yosys', 'synthesising emitted Verilog');
      const script = `read_verilog ${vfiles.join(' ')}; synth_ice40 -top ${design.name}; check -assert; stat`;
      const synth = await runTool(yosys, ['-p', script], { cwd: dir, check: false });
      expect(synth.code, synth.stderr + synth.stdout.slice(-3000)).toBe(0);
      expect(synth.stdout).toMatch(/Found and reported 0 problems/);
      if (design.name === 'rom_reader') {
        // rom_style block maps the 256 x 12 ROM to block RAM; the 'lut' ROM stays in logic.
        expect(synth.stdout).toMatch(/SB_RAM40_4K\s+1\n/);
      }
      if (design.name.startsWith('ram_delay')) expect(synth.stdout).toMatch(/SB_RAM40_4K\s+1\n/);
    });
  }
});

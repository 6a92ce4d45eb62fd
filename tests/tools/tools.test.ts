import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearToolCache,
  MissingToolError,
  resolveTool,
  runTool,
  ToolFailedError,
  TOOL_NAMES,
  findTool,
} from '../../src/tools/index.ts';
import { UserError } from '../../src/cli/errors.ts';

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
  clearToolCache();
});

describe('tool resolution', () => {
  it('finds every tool bitbeat uses, each with a version', async () => {
    for (const name of TOOL_NAMES) {
      const tool = await resolveTool(name, 'this test');
      expect(tool.name).toBe(name);
      expect(tool.version).not.toBe('');
      expect(tool.version).not.toBe('unknown version');
    }
  });

  it('names the tool, the step that needed it and the install command when a tool is missing', async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'bb-empty-path-'));
    const err = await resolveTool('verilator', 'cosimulation').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as Error).message).toMatch(/^verilator not found \(needed for cosimulation\): install it with `apt-get install -y verilator/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('rejects an override that is not a program instead of silently falling back', async () => {
    process.env.BITBEAT_YOSYS = '/nonexistent/yosys';
    await expect(findTool('yosys')).rejects.toThrow(/BITBEAT_YOSYS=\/nonexistent\/yosys is not an executable program/);
    await expect(findTool('yosys')).rejects.toBeInstanceOf(UserError);
  });

  it('falls back to the npm (WebAssembly) build when asked to prefer it', async () => {
    process.env.BITBEAT_PREFER_NPM = '1';
    const yosys = await resolveTool('yosys', 'this test');
    expect(yosys.source).toBe('npm');
    expect(yosys.version).toMatch(/^@yowasp\/yosys \d/);
  });
});

describe('running tools', () => {
  const verilog = 'module andgate(input wire a, input wire b, output wire y);\n  assign y = a & b;\nendmodule\n';

  it('runs the npm yosys on files in the working directory and writes its outputs back', async () => {
    process.env.BITBEAT_PREFER_NPM = '1';
    const dir = mkdtempSync(join(tmpdir(), 'bb-npm-yosys-'));
    writeFileSync(join(dir, 'andgate.v'), verilog);
    const yosys = await resolveTool('yosys', 'this test');
    const log = join(dir, 'yosys.log');
    const r = await runTool(yosys, ['-q', '-p', 'read_verilog andgate.v; synth -top andgate; write_json out.json'], { cwd: dir, logFile: log });
    expect(r.code).toBe(0);
    const netlist = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { modules: Record<string, unknown> };
    expect(Object.keys(netlist.modules)).toContain('andgate');
    expect(readFileSync(log, 'utf8')).toContain('$ yosys -q -p');
  });

  it('reports a failing run with the step, the exit code and the kept log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-fail-'));
    writeFileSync(join(dir, 'broken.v'), 'module broken(input wire a output wire y);\nendmodule\n');
    const yosys = await resolveTool('yosys', 'this test');
    const log = join(dir, 'logs', 'synth.log');
    const err = await runTool(yosys, ['-p', 'read_verilog broken.v'], { cwd: dir, logFile: log, step: 'synthesis' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolFailedError);
    expect((err as Error).message).toMatch(/^synthesis: yosys exited with code 1 .*full log: .*synth\.log$/);
    expect(existsSync(log)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/syntax error/i);
  });

  it('returns the exit code without throwing when check is off', async () => {
    const verilator = await resolveTool('verilator', 'this test');
    const r = await runTool(verilator, ['--no-such-option'], { check: false });
    expect(r.code).not.toBe(0);
  });
});

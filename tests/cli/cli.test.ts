import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BITBEAT_VERSION } from '../../src/version.ts';

const bin = join(import.meta.dirname, '../../bin/bitbeat.js');
function bitbeat(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
}

describe('bitbeat command line', () => {
  it('prints its version', () => {
    const r = bitbeat(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(BITBEAT_VERSION);
  });

  it('lists its commands in --help', () => {
    const r = bitbeat(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/doctor/);
  });

  it('doctor finds all seven tools with version and source', () => {
    const r = bitbeat(['doctor', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { tools: { tool: string; found: boolean; version: string; source: string }[] };
    expect(report.tools.map((t) => t.tool)).toEqual([
      'verilator', 'yosys', 'nextpnr-ice40', 'nextpnr-ecp5', 'icepack', 'icetime', 'ecppack',
    ]);
    for (const t of report.tools) {
      expect(t.found, t.tool).toBe(true);
      expect(t.version, t.tool).toBeTruthy();
    }
  });

  it('doctor exits non-zero and says how to install what is missing', () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'bb-nopath-'));
    const r = bitbeat(['doctor'], { ...process.env, PATH: emptyPath });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/verilator\s+MISSING: apt-get install -y verilator/);
    expect(r.stdout).toMatch(/icetime\s+MISSING: apt-get install -y fpga-icestorm/);
    // The npm builds still count when nothing is on PATH.
    expect(r.stdout).toMatch(/yosys\s+npm\s+@yowasp\/yosys/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bitbeat: 4 of 7 tools missing: verilator, nextpnr-ecp5, icetime, ecppack/);
  });

  it('rejects an unknown command with a non-zero exit', () => {
    const r = bitbeat(['no-such-command']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

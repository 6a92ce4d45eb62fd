/** Design directories and harness generation, without Verilator. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDesignDir } from '../../sim/cosim/design.ts';
import { cosimHarnessSource } from '../../sim/cosim/harness.ts';
import { FIXTURE } from './helpers.ts';

function copy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bb-cosim-dd-')), 'sign3');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('readDesignDir', () => {
  it('reads the manifest and hashes every file that is simulated', () => {
    const a = readDesignDir(FIXTURE);
    expect(a.manifest.top).toBe('cs_top');
    const dir = copy();
    expect(readDesignDir(dir).designHash).toBe(a.designHash);
    writeFileSync(join(dir, 'cs_weights.hex'), readFileSync(join(dir, 'cs_weights.hex'), 'utf8').replace(/^1/, '0'));
    expect(readDesignDir(dir).designHash).not.toBe(a.designHash);
  });

  it('explains what is wrong with a design directory', () => {
    const dir = copy();
    rmSync(join(dir, 'cs_weights.hex'));
    expect(() => readDesignDir(dir)).toThrow(/cs_weights.hex is listed in the manifest but missing; regenerate the design/);
    rmSync(join(dir, 'manifest.json'));
    expect(() => readDesignDir(dir)).toThrow(/manifest.json not found: .* is not a generated design directory/);
    const bad = copy();
    const m = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
    m.trace[1].dataPort = m.trace[0].validPort;
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify(m));
    expect(() => readDesignDir(bad)).toThrow(/trace port 'trace_z_valid' appears twice/);
    m.io.sampleBits = 0;
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify(m));
    expect(() => readDesignDir(bad)).toThrow(/field io.sampleBits: /);
  });
});

describe('cosimHarnessSource', () => {
  it('drives the manifest ports and refuses names that are not identifiers', () => {
    const { manifest } = readDesignDir(FIXTURE);
    const src = cosimHarnessSource(manifest);
    for (const p of ['trace_z_valid', 'trace_pre_data', 'trace_logits_data']) expect(src).toContain(`top->${p}`);
    expect(src).toContain('kSampleMask = 0xfffu');
    const bad = structuredClone(manifest);
    bad.trace![0]!.validPort = 'trace z';
    expect(() => cosimHarnessSource(bad)).toThrow(/'trace z' is not a plain identifier/);
  });
});

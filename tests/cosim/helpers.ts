import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/model/load.ts';
import { findTool } from '../../src/tools/index.ts';

export const FIXTURE = join(import.meta.dirname, '../fixtures/cosim/sign3');
export const fixtureModel = () => loadModel(join(FIXTURE, 'model.json'));

/** Whether Verilator is missing (the Verilator tests skip, saying so). */
export async function verilatorMissing(): Promise<boolean> {
  const found = await findTool('verilator');
  if (!found) console.warn('tests/cosim: verilator not found, skipping the cosimulation runs (install: apt-get install -y verilator g++ make)');
  return !found;
}

/**
 * A private copy of the fixture design (cosim writes cosim.json into the design directory).
 * fault: the fixture's FAULT hook (see cs_top.v): 1 input deadlock, 2 output deadlock, 3 protocol.
 */
export function copyFixture(fault = 0): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bb-cosim-')), 'sign3');
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.endsWith('cosim.json') });
  if (fault !== 0) {
    const v = join(dir, 'cs_top.v');
    const text = readFileSync(v, 'utf8');
    const hooked = text.replace('localparam integer FAULT = 0;', `localparam integer FAULT = ${fault};`);
    if (hooked === text) throw new Error('fixture: FAULT hook not found in cs_top.v');
    writeFileSync(v, hooked);
  }
  return dir;
}

/** Flips bit `bit` of ROM word `word` in a design's hex memory file (one hex word per line). */
export function flipHexBit(file: string, word: number, bit: number): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const digits = lines[word]!.trim();
  const flipped = (BigInt(`0x${digits}`) ^ (1n << BigInt(bit))).toString(16).padStart(digits.length, '0');
  if (flipped.length !== digits.length) throw new Error(`flipHexBit: bit ${bit} is outside the ${digits.length}-digit word ${word}`);
  lines[word] = flipped;
  writeFileSync(file, lines.join('\n'));
}

/**
 * Resource classes of mapped cells. Yosys reports counts per cell type (SB_LUT4, TRELLIS_FF,
 * ...); reports want the columns papers use (LUT4, FF, carry, block RAM, SPRAM, DSP). Cell types
 * that fall in none of them (ECP5 PFUMX/L6MUX21 slice muxes, I/O, global buffers) are kept
 * by name in `other` so nothing is silently dropped.
 */
import type { Family } from '../design/targets.ts';

export interface ResourceCounts {
  lut4: number;
  ff: number;
  /** carry cells: iCE40 SB_CARRY (one per bit), ECP5 CCU2C (two bits, two LUT4 slots each) */
  carry: number;
  /** block RAM: iCE40 SB_RAM40_4K*, ECP5 DP16KD/PDPW16PKC */
  bram: number;
  /** iCE40 UltraPlus SB_SPRAM256KA */
  spram: number;
  /** hard multipliers: iCE40 SB_MAC16, ECP5 MULT18X18D/ALU54B */
  dsp: number;
  /** ECP5 distributed RAM (TRELLIS_DPR16X4); iCE40 has none */
  lutram: number;
  other: Record<string, number>;
}

export type ResourceClass = Exclude<keyof ResourceCounts, 'other'>;
export const RESOURCE_CLASSES: readonly ResourceClass[] = ['lut4', 'ff', 'carry', 'bram', 'spram', 'dsp', 'lutram'];

export function emptyCounts(): ResourceCounts {
  return { lut4: 0, ff: 0, carry: 0, bram: 0, spram: 0, dsp: 0, lutram: 0, other: {} };
}

const ICE40_RULES: [RegExp, ResourceClass][] = [
  [/^SB_LUT4$/, 'lut4'],
  [/^SB_DFF\w*$/, 'ff'],
  [/^SB_CARRY$/, 'carry'],
  [/^SB_RAM40_4K\w*$/, 'bram'],
  [/^SB_SPRAM256KA$/, 'spram'],
  [/^SB_MAC16$/, 'dsp'],
];

const ECP5_RULES: [RegExp, ResourceClass][] = [
  [/^LUT4$/, 'lut4'],
  [/^TRELLIS_FF$/, 'ff'],
  [/^CCU2C$/, 'carry'],
  [/^(DP16KD|PDPW16PKC)$/, 'bram'],
  [/^(MULT18X18D|ALU54B)$/, 'dsp'],
  [/^TRELLIS_DPR16X4$/, 'lutram'],
];

/** The resource class of a primitive cell type, or undefined for types kept under `other`. */
export function classifyCell(family: Family, cellType: string): ResourceClass | undefined {
  const rules = family === 'ice40' ? ICE40_RULES : ECP5_RULES;
  return rules.find(([re]) => re.test(cellType))?.[1];
}

/** Adds `n` cells of a primitive type to `counts` (in place). */
export function addCells(counts: ResourceCounts, family: Family, cellType: string, n: number): void {
  const cls = classifyCell(family, cellType);
  if (cls) counts[cls] += n;
  else counts.other[cellType] = (counts.other[cellType] ?? 0) + n;
}

/** a + k*b, as a new object; `other` keys come out sorted so results serialize deterministically. */
export function addCounts(a: ResourceCounts, b: ResourceCounts, k = 1): ResourceCounts {
  const out = emptyCounts();
  for (const c of RESOURCE_CLASSES) out[c] = a[c] + k * b[c];
  const keys = [...new Set([...Object.keys(a.other), ...Object.keys(b.other)])].sort();
  for (const key of keys) out.other[key] = (a.other[key] ?? 0) + k * (b.other[key] ?? 0);
  return out;
}

export function sumCounts(list: ResourceCounts[]): ResourceCounts {
  return list.reduce((acc, c) => addCounts(acc, c), emptyCounts());
}

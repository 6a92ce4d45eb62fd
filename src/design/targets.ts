/**
 * The FPGA devices bitbeat targets: resource budgets (used by `--folding auto --fit` and by
 * reports for utilisation), the package and board used for place and route, and the
 * arguments nextpnr needs. Figures are the vendors' data-sheet totals.
 */
import { UserError } from '../cli/errors.ts';

export type Family = 'ice40' | 'ecp5';
export type TargetName = 'ice40-up5k' | 'ice40-hx8k' | 'ecp5-25f' | 'ecp5-85f';

export interface DeviceResources {
  /** 4-input LUTs (iCE40 SB_LUT4, ECP5 LUT4) */
  lut4: number;
  ff: number;
  /** block RAMs: iCE40 SB_RAM40_4K (4 kbit), ECP5 DP16KD (18 kbit) */
  bram: number;
  bramBits: number;
  /** iCE40 UltraPlus SB_SPRAM256KA (256 kbit each) */
  spram: number;
  /** hard multipliers: iCE40 SB_MAC16, ECP5 MULT18X18D */
  dsp: number;
  /** user I/O pins of the package used */
  io: number;
}

export interface Target {
  name: TargetName;
  family: Family;
  device: string;
  package: string;
  /** the board whose pin constraints (constraints/<board>.pcf|.lpf) place and route uses */
  board: string;
  resources: DeviceResources;
  /** nextpnr arguments that select the device and package */
  nextpnrArgs: string[];
}

export const TARGETS: Record<TargetName, Target> = {
  'ice40-up5k': {
    name: 'ice40-up5k',
    family: 'ice40',
    device: 'iCE40UP5K',
    package: 'sg48',
    board: 'icebreaker',
    resources: { lut4: 5280, ff: 5280, bram: 30, bramBits: 4096, spram: 4, dsp: 8, io: 39 },
    nextpnrArgs: ['--up5k', '--package', 'sg48'],
  },
  'ice40-hx8k': {
    name: 'ice40-hx8k',
    family: 'ice40',
    device: 'iCE40HX8K',
    package: 'ct256',
    board: 'ice40hx8k-breakout',
    resources: { lut4: 7680, ff: 7680, bram: 32, bramBits: 4096, spram: 0, dsp: 0, io: 206 },
    nextpnrArgs: ['--hx8k', '--package', 'ct256'],
  },
  'ecp5-25f': {
    name: 'ecp5-25f',
    family: 'ecp5',
    device: 'LFE5U-25F',
    package: 'CABGA381',
    board: 'ulx3s',
    resources: { lut4: 24288, ff: 24288, bram: 56, bramBits: 18432, spram: 0, dsp: 28, io: 197 },
    nextpnrArgs: ['--25k', '--package', 'CABGA381'],
  },
  'ecp5-85f': {
    name: 'ecp5-85f',
    family: 'ecp5',
    device: 'LFE5U-85F',
    package: 'CABGA381',
    board: 'ulx3s',
    resources: { lut4: 83640, ff: 83640, bram: 208, bramBits: 18432, spram: 0, dsp: 156, io: 197 },
    nextpnrArgs: ['--85k', '--package', 'CABGA381'],
  },
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function getTarget(name: string): Target {
  const t = (TARGETS as Record<string, Target | undefined>)[name];
  if (!t) throw new UserError(`unknown target '${name}': choose one of ${TARGET_NAMES.join(', ')}`);
  return t;
}

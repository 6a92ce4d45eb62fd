/**
 * Two registered 16-bit add/subtract units in one iCE40 SB_MAC16 (multiplier bypassed):
 *   o[31:16] <= sub_top ? c - a : c + a        o[15:0] <= sub_bot ? d - b : d + b
 * each loaded when `ce` is high, the bottom unit optionally behind input registers on b and d
 * (`bottomInputRegs`, also loaded with `ce`: one more cycle for that unit only).
 *
 * Yosys 0.23 infers SB_MAC16 only from a multiplication, so the cell is instantiated: the
 * module's own description (registers and adders) is what simulators and lint read, and the
 * SB_MAC16 is its `ifdef SYNTHESIS branch (ModuleOptions.synthesisBody). The configuration,
 * from Yosys's cells_sim.v model and Lattice's DSP usage guide (TN1295): each half's adder
 * takes its upper input from C (D) (ADDSUB_UPPERINPUT 1) and its lower input from A (B)
 * (ADDSUB_LOWERINPUT 0), computes upper + lower, or upper - lower when ADDSUB is high, with no
 * carry in (CARRYSELECT 0), into its output register (OUTPUT_SELECT 1). tests/gen/ice40-addsub
 * .test.ts runs both branches (the SB_MAC16 from Yosys's own simulation model) on the same
 * random inputs and compares every output bit.
 *
 * The SB_MAC16 has its whole 32-bit output on a port of this module: Yosys 0.23's ice40_dsp
 * pass, which also visits instantiated SB_MAC16s, fails an assertion (`nusers(O.extract_end(i))
 * <= 1`) when only some of O's bits are read in the module that holds the cell.
 */
import { cat, Module } from '../../src/hdl/index.ts';

export interface AddSubPairOptions {
  /** registers on b and d in front of the bottom unit (the DSP's B_REG and D_REG) */
  bottomInputRegs?: boolean;
  name?: string;
}

/** Cycles from an input to its result on `o`: the output register, plus the input register. */
export function addSubPairLatency(bottom: boolean, bottomInputRegs = false): number {
  return bottom && bottomInputRegs ? 2 : 1;
}

export function ice40AddSubPair(o: AddSubPairOptions = {}): Module {
  const inRegs = o.bottomInputRegs === true;
  const bit = (v: boolean) => (v ? "1'b1" : "1'b0");
  const params = [
    ".TOPOUTPUT_SELECT(2'b01)",
    ".TOPADDSUB_LOWERINPUT(2'b00)",
    ".TOPADDSUB_UPPERINPUT(1'b1)",
    ".TOPADDSUB_CARRYSELECT(2'b00)",
    ".BOTOUTPUT_SELECT(2'b01)",
    ".BOTADDSUB_LOWERINPUT(2'b00)",
    ".BOTADDSUB_UPPERINPUT(1'b1)",
    ".BOTADDSUB_CARRYSELECT(2'b00)",
    `.B_REG(${bit(inRegs)})`,
    `.D_REG(${bit(inRegs)})`,
  ];
  const zero = "1'b0";
  const ports = [
    '.CLK(clk)', '.CE(ce)', '.C(c)', '.A(a)', '.B(b)', '.D(d)',
    `.AHOLD(${zero})`, `.BHOLD(${zero})`, `.CHOLD(${zero})`, `.DHOLD(${zero})`,
    `.IRSTTOP(${zero})`, `.IRSTBOT(${zero})`, `.ORSTTOP(${zero})`, `.ORSTBOT(${zero})`,
    `.OLOADTOP(${zero})`, `.OLOADBOT(${zero})`, '.ADDSUBTOP(sub_top)', '.ADDSUBBOT(sub_bot)',
    `.OHOLDTOP(${zero})`, `.OHOLDBOT(${zero})`, `.CI(${zero})`, `.ACCUMCI(${zero})`, `.SIGNEXTIN(${zero})`,
    '.O(o)',
    // CO, ACCUMCO and SIGNEXTOUT are not used
  ];
  const synthesisBody = ['SB_MAC16 #(', params.map((p) => `  ${p}`).join(',\n'), ') dsp (', ports.map((p) => `  ${p}`).join(',\n'), ');'].join('\n');
  const m = new Module(o.name ?? `ice40_addsub2${inRegs ? '_ri' : ''}`, {
    description: 'two registered 16-bit add/subtract units in one iCE40 SB_MAC16 (simulation model; SB_MAC16 for synthesis)',
    params: { bottomInputRegs: inRegs },
    synthesisBody,
  });
  const ce = m.input('ce', 1);
  const c = m.input('c', 16);
  const a = m.input('a', 16);
  const d = m.input('d', 16);
  const b = m.input('b', 16);
  const subTop = m.input('sub_top', 1);
  const subBot = m.input('sub_bot', 1);
  const unit = (name: string, upper: typeof c, lower: typeof c, sub: typeof c) => {
    const q = m.reg(name, 16, { reset: null, enable: ce });
    q.set(sub.select(upper.sub(lower).trunc(16).asUnsigned(), upper.add(lower).trunc(16)));
    return q;
  };
  const bIn = inRegs ? m.reg('b_reg', 16, { reset: null, enable: ce }) : b;
  const dIn = inRegs ? m.reg('d_reg', 16, { reset: null, enable: ce }) : d;
  if (inRegs) {
    bIn.set(b);
    dIn.set(d);
  }
  const top = unit('q_top', c, a, subTop);
  const bot = unit('q_bot', dIn, bIn, subBot);
  m.output('o', 32).set(cat(top, bot));
  return m;
}

/** The pair's function on unsigned 16-bit values (for tests). */
export function addSubModel(upper: number, lower: number, sub: boolean): number {
  return ((sub ? upper - lower : upper + lower) % 65536 + 65536) % 65536;
}

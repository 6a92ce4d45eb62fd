import { Expr, type Operand } from './expr.ts';
import { HdlError } from './errors.ts';
import type { Module } from './module.ts';
import type { Signal } from './signal.ts';

/**
 * ROM style. 'block' adds `(* rom_style = "block" *)` so Yosys maps the ROM to block RAM
 * (SB_RAM40_4K / DP16KD) even when small; 'lut' adds `(* rom_style = "logic" *)` and keeps it
 * in LUTs. Yosys 0.23 only recognises ROM contents given by `$readmemh`, which is why the
 * contents always go to a .hex file next to the module.
 */
export type RomStyle = 'block' | 'lut';

/**
 * RAM style. Unset lets Yosys choose (block RAM for anything sizeable); 'huge' adds
 * `(* ram_style = "huge" *)`, which maps a single-port RAM to the iCE40 UltraPlus's SPRAM
 * (SB_SPRAM256KA): Yosys 0.23's cost model picks block RAM without it. Only for UP5K targets:
 * other devices have no huge RAM and Yosys rejects the attribute there.
 * 'block' forces block RAM even for a few words (SB_RAM40_4K / DP16KD), 'logic' forces
 * flip-flops, 'distributed' forces ECP5 LUT RAM (TRELLIS_DPR16X4; iCE40 has none and Yosys
 * rejects it there).
 */
export type RamStyle = 'huge' | 'block' | 'logic' | 'distributed';

export interface ReadPort {
  addr: Expr;
  enable: Expr | undefined;
  /** register holding the word read at the last enabled clock edge */
  data: Signal;
}

export interface WritePort {
  addr: Expr;
  data: Expr;
  enable: Expr;
}

/** Number of address bits needed for `depth` words (at least 1). */
export function addressWidth(depth: number): number {
  let w = 1;
  while (2 ** w < depth) w++;
  return w;
}

/**
 * A memory array: a ROM with contents from TypeScript data, or a RAM with one write port.
 * Reads are registered (the data appears one clock after the address), which is what block
 * RAM inference needs; a LUT ROM may also be read combinationally with `readAsync`.
 */
export class Memory {
  readonly readPorts: ReadPort[] = [];
  readonly writePorts: WritePort[] = [];
  readonly addrWidth: number;
  /** number of combinational reads built with readAsync */
  asyncReads = 0;
  /**
   * RAM only: the design never reads an address in the cycle it writes it, so Yosys may skip
   * the read-during-write bypass it otherwise builds around block RAM (on iCE40 about one FF
   * and one LUT per data bit). Emitted as `(* no_rw_check *)`; the caller guarantees it.
   */
  disjointReadWrite = false;
  /**
   * RAM only: words with a power-on value (address, bit pattern), emitted as an `initial`
   * block; block RAM takes them from the bitstream (iCE40 EBR INIT_*), a reset does not.
   */
  init: ReadonlyArray<readonly [number, bigint]> = [];

  constructor(
    readonly module: Module,
    readonly name: string,
    readonly kind: 'rom' | 'ram',
    readonly width: number,
    readonly depth: number,
    /** ROM contents (bit patterns, length = depth) */
    readonly data: bigint[] | undefined,
    readonly style: RomStyle | RamStyle | undefined,
  ) {
    if (!Number.isInteger(depth) || depth < 2) throw new HdlError(`memory ${name}: depth must be an integer >= 2, got ${depth}`);
    this.addrWidth = addressWidth(depth);
  }

  /** Name of the $readmemh file the emitter writes for a ROM. */
  get hexFileName(): string {
    return `${this.module.name}_${this.name}.hex`;
  }

  private checkAddr(addr: Expr, what: string): void {
    if (addr.width !== this.addrWidth || addr.signed) {
      throw new HdlError(
        `memory ${this.name} (${this.depth} words): ${what} address ${addr.describe()} must be ${this.addrWidth} bits unsigned, is ${addr.width} bits${addr.signed ? ' signed' : ''}`,
      );
    }
  }

  /**
   * Registered read: returns a register (named `<memory>_<name>`, default `<memory>_data`)
   * that holds mem[addr] one clock after the address, loading only when `enable` is high.
   */
  read(addr: Expr, opts: { enable?: Expr; name?: string } = {}): Signal {
    this.checkAddr(addr, 'read');
    if (opts.enable && opts.enable.width !== 1) throw new HdlError(`memory ${this.name}: read enable ${opts.enable.describe()} must be 1 bit`);
    const data = this.module.declareMemoryData(this, opts.name ?? (this.readPorts.length === 0 ? 'data' : `data${this.readPorts.length}`));
    this.readPorts.push({ addr, enable: opts.enable, data });
    return data;
  }

  /** Combinational read, only for LUT-style ROMs (block RAM cannot be read asynchronously). */
  readAsync(addr: Expr): Expr {
    if (this.kind !== 'rom' || this.style !== 'lut') {
      throw new HdlError(`memory ${this.name}: readAsync needs a ROM with style 'lut'; use read() for a registered read`);
    }
    this.checkAddr(addr, 'read');
    this.asyncReads++;
    return new Expr(this.width, false, { op: 'memread', mem: this, addr });
  }

  /** Write port (RAM only): mem[addr] <= data at the clock edge when `enable` is high. */
  write(addr: Expr, data: Operand, enable: Expr): void {
    if (this.kind !== 'ram') throw new HdlError(`memory ${this.name} is a ROM; it has no write port`);
    if (this.writePorts.length > 0) throw new HdlError(`memory ${this.name} already has a write port (one is supported)`);
    this.checkAddr(addr, 'write');
    const d = data instanceof Expr ? data : this.module.constantFor(data, this.width, `write data of ${this.name}`);
    if (d.width > this.width) {
      throw new HdlError(`memory ${this.name}: write data ${d.describe()} is ${d.width} bits, the memory word is ${this.width}; use .trunc(${this.width})`);
    }
    if (enable.width !== 1) throw new HdlError(`memory ${this.name}: write enable ${enable.describe()} must be 1 bit`);
    this.writePorts.push({ addr, data: d.extend(this.width), enable });
  }
}

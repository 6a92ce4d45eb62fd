/**
 * The binary layers' XNOR-popcount kernel in WebAssembly, which has the popcount instruction
 * JavaScript lacks (i64.popcnt: one instruction for 64 taps instead of about twenty SWAR
 * operations). The module is a few hundred bytes assembled here, so there is no build step
 * and no binary file in the repository; it runs wherever Node runs WebAssembly (every
 * supported version).
 *
 * One function, shared by all binary layers of all models:
 *   binconv(in, w, base, conv, convLength, cout, W64, stepBits, scratch, mask)
 * For each conv position p (window starting at bit p * stepBits of the packed input at `in`):
 *   scratch[j] = 64 bits of the window from bit 64j, AND mask[j]          (j < W64)
 *   conv[p*cout + c] = base[p*cout + c] - 2 * sum_j popcount(scratch[j] XOR w[c*W64 + j])
 * All pointers are byte addresses in the kernel's memory; `in` must have 12 spare bytes after
 * the last window, `w`, `scratch` and `mask` are 8-byte aligned arrays of i64, `base` and `conv`
 * arrays of i32. Same arithmetic as BinaryConvKernel.runGeneric, so the same tests apply.
 */

// opcodes used below
const OP = {
  loop: 0x03, end: 0x0b, brIf: 0x0d,
  get: 0x20, set: 0x21, tee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i64Load32U: 0x35, i32Store: 0x36, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42,
  i32Add: 0x6a, i32Sub: 0x6b, i32Shl: 0x74, i32ShrU: 0x76, i32And: 0x71, i32LtU: 0x49,
  i64Sub: 0x7d, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrU: 0x88, i64Popcnt: 0x7b,
  i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
} as const;
const I32 = 0x7f;
const I64 = 0x7e;
const VOID_BLOCK = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

// parameter and local indices
const P_IN = 0, P_W = 1, P_BASE = 2, P_CONV = 3, P_LEN = 4, P_COUT = 5, P_W64 = 6, P_STEP = 7, P_SCRATCH = 8, P_MASK = 9;
const L_P = 10, L_C = 11, L_J = 12, L_M = 13, L_BIT = 14, L_SRC = 15, L_WP = 16, L_O = 17, L_SH = 18;

function code(): number[] {
  const g = (i: number) => [OP.get, i];
  const s = (i: number) => [OP.set, i];
  const c32 = (v: number) => [OP.i32Const, ...sleb(v)];
  const mem = (op: number, align: number, offset = 0) => [op, align, ...uleb(offset)];
  const body: number[] = [
    // p = 0, bit = 0, o = 0 (locals start at zero)
    OP.loop, VOID_BLOCK,
    //   src = in + (bit >>> 5) * 4 ; sh = bit & 31 (as i64)
    ...g(P_IN), ...g(L_BIT), ...c32(5), OP.i32ShrU, ...c32(2), OP.i32Shl, OP.i32Add, ...s(L_SRC),
    ...g(L_BIT), ...c32(31), OP.i32And, OP.i64ExtendI32U, ...s(L_SH),
    //   j = 0; loop: scratch[j] = ((load64(src) >>> sh) | ((load32u(src + 8) << 1) << (63 - sh))) & mask[j]
    //   (the next word shifted left by 64 - sh, written as two shifts because a wasm shift by
    //   64 is a shift by 0: with sh = 0 the double shift correctly contributes nothing)
    ...c32(0), ...s(L_J),
    OP.loop, VOID_BLOCK,
    ...g(P_SCRATCH), ...g(L_J), ...c32(3), OP.i32Shl, OP.i32Add,
    ...g(L_SRC), ...mem(OP.i64Load, 2), ...g(L_SH), OP.i64ShrU,
    ...g(L_SRC), ...mem(OP.i64Load32U, 2, 8), OP.i64Const, 1, OP.i64Shl, OP.i64Const, 63, ...g(L_SH), OP.i64Sub, OP.i64Shl,
    OP.i64Or,
    ...g(P_MASK), ...g(L_J), ...c32(3), OP.i32Shl, OP.i32Add, ...mem(OP.i64Load, 3),
    OP.i64And,
    ...mem(OP.i64Store, 3),
    ...g(L_SRC), ...c32(8), OP.i32Add, ...s(L_SRC),
    ...g(L_J), ...c32(1), OP.i32Add, OP.tee, L_J, ...g(P_W64), OP.i32LtU, OP.brIf, 0,
    OP.end,
    //   c = 0; wp = w; loop over channels
    ...c32(0), ...s(L_C),
    ...g(P_W), ...s(L_WP),
    OP.loop, VOID_BLOCK,
    ...c32(0), ...s(L_M),
    ...c32(0), ...s(L_J),
    //     loop: m += popcnt(scratch[j] ^ wp[j])
    OP.loop, VOID_BLOCK,
    ...g(L_M),
    ...g(P_SCRATCH), ...g(L_J), ...c32(3), OP.i32Shl, OP.i32Add, ...mem(OP.i64Load, 3),
    ...g(L_WP), ...g(L_J), ...c32(3), OP.i32Shl, OP.i32Add, ...mem(OP.i64Load, 3),
    OP.i64Xor, OP.i64Popcnt, OP.i32WrapI64, OP.i32Add, ...s(L_M),
    ...g(L_J), ...c32(1), OP.i32Add, OP.tee, L_J, ...g(P_W64), OP.i32LtU, OP.brIf, 0,
    OP.end,
    //     conv[o] = base[o] - 2m ; o += 4 ; wp += 8 * W64
    ...g(P_CONV), ...g(L_O), OP.i32Add,
    ...g(P_BASE), ...g(L_O), OP.i32Add, ...mem(OP.i32Load, 2),
    ...g(L_M), ...c32(1), OP.i32Shl, OP.i32Sub,
    ...mem(OP.i32Store, 2),
    ...g(L_O), ...c32(4), OP.i32Add, ...s(L_O),
    ...g(L_WP), ...g(P_W64), ...c32(3), OP.i32Shl, OP.i32Add, ...s(L_WP),
    ...g(L_C), ...c32(1), OP.i32Add, OP.tee, L_C, ...g(P_COUT), OP.i32LtU, OP.brIf, 0,
    OP.end,
    //   bit += stepBits ; next position
    ...g(L_BIT), ...g(P_STEP), OP.i32Add, ...s(L_BIT),
    ...g(L_P), ...c32(1), OP.i32Add, OP.tee, L_P, ...g(P_LEN), OP.i32LtU, OP.brIf, 0,
    OP.end,
    OP.end,
  ];
  // locals: 8 x i32 (p, c, j, m, bit, src, wp, o) then 1 x i64 (sh)
  const locals = vec([[8, I32], [1, I64]]);
  const fn = [...locals, ...body];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const params = Array.from({ length: 10 }, () => I32);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // type 0: (10 x i32) -> ()
    ...section(1, vec([[0x60, ...uleb(params.length), ...params, 0]])),
    // import env.memory (min 1 page)
    ...section(2, vec([[...uleb(3), ...Buffer.from('env'), ...uleb(6), ...Buffer.from('memory'), 0x02, 0x00, 0x01]])),
    // function 0 has type 0
    ...section(3, vec([[0]])),
    // export "binconv" = function 0
    ...section(7, vec([[...uleb(7), ...Buffer.from('binconv'), 0x00, 0]])),
    ...section(10, vec([code()])),
  ];
  return Uint8Array.from(bytes);
}

let compiled: WebAssembly.Module | null = null;

export type BinconvFn = (inPtr: number, w: number, base: number, conv: number, convLength: number, cout: number, w64: number, stepBits: number, scratch: number, mask: number) => void;

/** Instantiates the kernel on `memory` (synchronously; the module is tiny). */
export function instantiateBinconv(memory: WebAssembly.Memory): BinconvFn {
  compiled ??= new WebAssembly.Module(moduleBytes() as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  return instance.exports.binconv as BinconvFn;
}

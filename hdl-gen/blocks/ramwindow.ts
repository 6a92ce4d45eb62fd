/**
 * RAM line buffer: the window is kept in a small circular RAM instead of K position registers,
 * and the engine reads it one group (SIMD taps of `bits` bits each) per step. Binary layers
 * (bits 1) and layer 1 (integer taps: a RAM word is SIMD z values, and a padding position
 * reads as the pad value in every tap).
 *
 * Requires SIMD to divide C (the input channels), so a group never straddles two positions:
 * with W = C / SIMD, group g of window p is input position i = p*stride - padLeft +
 * floor(g / W), sub-block j = g mod W (tap order k*C + c, as the weights). Position i (in
 * loader coordinates u = i + padLeft) lives in slot u mod D of a D-position ring, W words of
 * SIMD bits each, so RAM word (u mod D)*W + j; the groups of a window are consecutive words
 * (mod D*W), which makes every address a modular counter (no multiplier, no divider).
 *
 * Writer: takes the input positions in order; a needed position is written in W cycles (one
 * sub-block per cycle, straight from the held input payload: the producer holds a word until
 * it fires), and only when its slot is free: u < p*stride + D, p the window being read (so a
 * pending window's positions are never overwritten). With `subBlockInput` (iCE40 narrow link
 * from a fold-serial pool, hdl-gen/link.ts) a position comes as W beats, one sub-block each,
 * written as they come: no W:1 choice of the sub-block, only the padding choice (aami5 1-ms
 * conv6, W = 8: 95 -> 56 LUT4, bitbeat synth). Positions no window reads (gaps when
 * stride > K, the tail) are consumed and dropped at once, so every image consumes exactly L
 * positions. With constant padding the writer also writes the padding positions a window
 * reads (u < padLeft at the image's start, u >= padLeft + L after its last input), with the
 * pad word and without taking input, so the reader needs no position register and no padding
 * test (about 25 LUT4 fewer per window on the aami5 layers; the left padding is written after
 * the previous image's last window is released, padLeft*W cycles per image). The next image
 * starts once the writer has handled the image and the engine has released its last window.
 *
 * Reader (driven by the engine's issue stage): `avail` says window p has all its real
 * positions written; each `step` reads the current group through the RAM's output register
 * (enabled by `ce`, one cycle, like the weight ROM stage) and moves to the next group;
 * `rewind` (last group of a fold pass) goes back to the window's first group, `next_window`
 * (last group of the last fold) moves to window p+1. Padding positions (i < 0 or i >= L)
 * read the pad word the writer put there ('const'), or are never written and read with
 * `is_real` 0 ('zero': the mask).
 *
 * D = K + stride when there are several windows (the next window's positions are written
 * while the current one is read), K for one window.
 *
 * LUT4 budget (Yosys 0.23 synth_ice40 of the block alone, ecgbnn-s-aami5 UP5K smallest
 * design, conv1..conv6): 91/60/60/81/77/100 LUT4 and 29/24/26/28/27/35 FF, from
 * 111/81/92/103/97/136 and 55..62 by: no read-during-write bypass (disjointReadWrite; the
 * read register is the block RAM's own), no window counter (the last window from `ahead`),
 * `ahead` as one adder, a one-hot write select for W >= 8. What is left is mostly the
 * writer's position register and its constant compares (about 4 LUT4 a bit), the three ring
 * addresses (about 6 a bit), and the write data: the W:1 sub-block choice or, at W = 1, the
 * padding choice (a LUT4 per RAM bit).
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits, isPowerOfTwo, unsignedBits } from '../widths.ts';
import { eqConstAtMost, geConst, ltConst } from './const-compare.ts';
import type { LineBufferOptions } from './linebuffer.ts';
import type { Family } from '../../src/design/targets.ts';

export interface RamWindowOptions extends LineBufferOptions {
  /** taps per group; must divide `channels` */
  simd: number;
  /** the target's family: the iCE40 forms below (padSlots, waddr from wu) are measured there */
  family?: Family;
  /**
   * the input comes one sub-block (SIMD taps) per beat, W beats per position in sub-block order
   * (link.ts's narrowLinks: the producer sends them so), instead of a whole position per beat
   * held for W cycles: no W:1 write-data choice
   */
  subBlockInput?: boolean;
}

/**
 * iCE40 only (measured there; ECP5 keeps the write-data padding choice so its designs stay as
 * they were): a ring of one word per position (W = 1) whose D is a power of two and whose
 * word is at least 2D bits keeps a padding flag per slot instead of writing the pad word.
 * The block RAM gets a second half of D words, all the pad word from the bitstream (never
 * written), and the read address's top bit is the flag of the slot being read: a shift
 * register of the last D positions' flags and a D:1 read mux indexed by waddr - 1 - raddr
 * (about 11 LUT4 at D = 8; 13 with a flag per slot and a write decode) instead of one LUT4
 * per RAM bit choosing the pad word (32 on the aami5 1-ms conv4). The EBR count must not grow:
 * 2D words fit in the 256 words of the widest (16-bit) EBR shape.
 */
export function ramWindowPadSlots(o: { bits: number; channels: number; simd: number; kernel: number; stride: number; positions: number; pad: LineBufferOptions['pad']; family?: Family }): boolean {
  const { slots: D, wordsPerPosition: W } = ramWindowGeometry(o);
  return o.family === 'ice40' && o.pad.kind === 'const' && W === 1 && isPowerOfTwo(D) && o.simd * o.bits >= 2 * D && 2 * D <= 256;
}

/**
 * iCE40 only (measured there; ECP5 keeps its waddr register so its designs stay as they were):
 * with D and W powers of two the write address is (wu mod D)*W + (the sub-block being
 * written), wu's low bits next to the sub-block index (a drop or a position's last write moves
 * both on), so it needs no register of its own: 3 FF and about 4 LUT4 fewer on the aami5
 * 1-ms conv2..conv5 (W = 1), 6 FF and 4 LUT4 on conv6 (W = 8, the one-hot select encoded).
 * `uw`: the width of the writer's position counter wu. Shared with estimate.ts.
 */
export function ramWindowWaddrFromWu(family: Family | undefined, slots: number, wordsPerPosition: number, uw: number): boolean {
  return family === 'ice40' && slots >= 2 && isPowerOfTwo(slots) && isPowerOfTwo(wordsPerPosition) && uw >= Math.log2(slots);
}

/** Geometry of the ring: slots D, words per position W, RAM words N = D*W. */
export function ramWindowGeometry(o: { kernel: number; stride: number; positions: number; channels: number; simd: number }): { slots: number; wordsPerPosition: number; words: number } {
  const slots = o.positions > 1 ? o.kernel + o.stride : o.kernel;
  const wordsPerPosition = o.channels / o.simd;
  return { slots, wordsPerPosition, words: slots * wordsPerPosition };
}

/** Why the RAM line buffer cannot serve this layer and folding, or null when it can. */
export function ramWindowUnsupported(o: { bits: number; channels: number; simd: number; kernel: number; stride: number; positions: number }): string | null {
  if (o.channels % o.simd !== 0) return `SIMD ${o.simd} does not divide the ${o.channels} input channels`;
  if (ramWindowGeometry(o).words < 2) return 'the window is a single RAM word';
  return null;
}

/** (a + inc) mod n for 0 <= a < n, 0 <= inc <= n, as an expression of a's width. */
function wrapAdd(a: Expr, inc: number, n: number): Expr {
  if (inc === 0) return a;
  const w = unsignedBits(n + inc);
  const s = a.zext(w).add(constant(inc, w)).trunc(w);
  return geConst(s, n).select(s.sub(constant(n, w)).trunc(w).asUnsigned(), s).trunc(a.width);
}

export function ramWindow(o: RamWindowOptions): Module {
  const why = ramWindowUnsupported(o);
  if (why) throw new Error(`ramWindow: ${why}`);
  const { length: L, channels: C, kernel: K, stride: S, padLeft: PL, positions: P, simd, bits: B } = o;
  const gw = simd * B; // bits of a group (one RAM word)
  const { slots: D, wordsPerPosition: W, words: N } = ramWindowGeometry(o);
  const masked = o.pad.kind === 'zero';
  // binary layers pad with a bit (0 or 1); integer taps with the pad value in B bits
  const padBit = o.pad.kind === 'const' && o.pad.value === 1 ? 1 : 0;
  const padWord = B === 1 ? BigInt(padBit) * ((1n << BigInt(simd)) - 1n) : o.pad.kind === 'const' ? tapWord(o.pad.value, B, simd) : 0n;
  const lastNeeded = (P - 1) * S + K - 1; // last u some window reads
  const narrow = !!o.subBlockInput && W > 1;
  const m = new Module(o.name ?? `ramwin_l${L}_c${C}${B > 1 ? `_b${B}` : ''}_s${simd}_k${K}_s${S}_p${PL}_${o.padRight}_${masked ? 'z' : `c${B > 1 ? (o.pad.kind === 'const' ? o.pad.value : 0) : padBit}`}_n${P}${narrow ? '_sb' : ''}`.replace(/-/g, 'm'), {
    description: 'line buffer in a circular RAM, read one group of SIMD taps per step',
    params: { length: L, channels: C, ...(B > 1 ? { bits: B } : {}), simd, kernel: K, stride: S, padLeft: PL, padRight: o.padRight, pad: masked ? 'zero' : `const ${B > 1 && o.pad.kind === 'const' ? o.pad.value : padBit}`, positions: P, slots: D, ...(narrow ? { input: 'sub-block' } : {}) },
  });
  const inp = m.streamIn('in', narrow ? gw : C * B);
  const ce = m.input('ce', 1);
  const step = m.input('step', 1);
  const restart = m.input('rewind', 1);
  const release = m.input('next_window', 1);

  // Constant padding is written into the ring like an input position (the writer makes the
  // padding positions itself, without taking input), so the reader returns RAM words as they
  // are: no read-position counter, padding test or output gate. Zero padding (the mask) keeps
  // the padding positions unwritten and tells them by the read position (is_real).
  const writePads = !masked;
  const u0 = writePads ? 0 : PL; // u of the first position the writer handles
  const uEnd = writePads ? Math.max(PL + L, lastNeeded + 1) : PL + L; // ... and one past the last
  // u (= i + padLeft) values compared here stay below uMax
  const uMax = Math.max(PL + L, lastNeeded + 1, P * S) + 1;
  const uw = unsignedBits(uMax);
  // disjointReadWrite: a read the engine uses (issue, window p avail) is of window p's
  // positions, all written before (ahead >= K, or the writer done), while the writer writes
  // positions pS+K .. pS+D-1 of other slots; no Yosys read-during-write bypass (about 21 FF
  // and a few LUT4 on the aami5 layers)
  const padSlots = ramWindowPadSlots(o);
  const ram = m.ram('ring', {
    width: gw,
    depth: padSlots ? 2 * N : N,
    style: 'block',
    disjointReadWrite: true,
    init: padSlots ? Array.from({ length: N }, (_, k) => [N + k, padWord] as const) : [],
  });
  const aw = padSlots ? ram.addrWidth - 1 : ram.addrWidth; // ring address bits
  const wordAddr = (u: number) => constant(((u % D) * W) % N, aw);

  // ---- image bookkeeping ------------------------------------------------------------------
  const wu = m.reg('wu', uw, { reset: u0 }); // next position the writer handles
  // the writer has consumed (and padded) the image; wu stops at uEnd, so on iCE40 (measured
  // there) the AND of uEnd's one-bits says it
  const wdone = m.let('wdone', o.family === 'ice40' ? eqConstAtMost(wu, uEnd) : wu.eq(uEnd));
  const winsDone = m.reg('wins_done', 1); // the engine released the image's last window
  // ahead = (positions the writer has taken, up to the last one a window reads) - p*S, kept
  // biased so it is unsigned: the writer may write while ahead < D, window p is complete once
  // ahead >= K. It stops counting past the last needed position (uStop: the tail a pool
  // leaves unread is dropped without counting), so once the writer is there (wfin), ahead is
  // uStop - p*S: the last window is the one where it equals uStop - (P-1)*S. That replaces a
  // window counter of uw bits and its comparator (about 12 LUT4 and 10 FF on the aami5 layers).
  const uStop = Math.min(uEnd, lastNeeded + 1);
  const aheadLo = Math.min(0, K - S, uStop - P * S);
  const bias = -aheadLo;
  const ab = unsignedBits(Math.max(D, PL, K) + S + bias + 1);
  const ahead = m.reg('ahead', ab, { reset: u0 + bias });
  const rbase = m.reg('rbase', aw, { reset: 0 }); // word of window p's first group
  const newImage = m.let('new_image', wdone.and(winsDone));
  // the writer is past every position a window reads (the last window needs all of them)
  const tail = uStop < uEnd ? m.let('tail', geConst(wu, uStop)) : null;
  const wfin: Expr = tail ?? wdone;
  const lastWindow = m.let('last_window', wfin.and(ahead.eq(uStop - (P - 1) * S + bias)));

  // ---- writer -----------------------------------------------------------------------------
  // W >= 8 sub-blocks with a padding word of equal bits (binary layers): the sub-block is
  // chosen by a one-hot register and an AND-OR (pad bit 0) or OR-AND (pad bit 1) per bit, in
  // which selecting no sub-block gives the pad bit, so the padding choice costs nothing:
  // about 5 LUT4 per bit at W = 8 instead of 7 (binary 8:1 mux and the padding choice).
  // With sub-block input only the index is left, still one-hot: its last-chunk bit and free
  // rotation beat a binary counter (aami5 1-ms conv6 alone: 56 LUT4, binary 57)
  const oneHot = W >= 8 && B === 1;
  const wj = W > 1 && !oneHot ? m.reg('wj', counterBits(W), { reset: 0 }) : null;
  const wsel = oneHot ? m.reg('wsel', W, { reset: 1 }) : null;
  const wmod = S > K ? m.reg('wmod', counterBits(S), { reset: u0 % S }) : null; // u mod S
  // the write address from wu's low bits where ramWindowWaddrFromWu says so (iCE40)
  const slotBits = Math.log2(D);
  const waddrFromWu = ramWindowWaddrFromWu(o.family, D, W, uw);
  const waddrReg = waddrFromWu ? null : m.reg('waddr', aw, { reset: ((u0 % D) * W) % N });
  let waddr: Expr;
  if (waddrReg) waddr = waddrReg;
  else {
    const slot = wu.slice(slotBits - 1, 0);
    let sub: Expr | null = wj;
    if (wsel) {
      // one-hot to binary: bit b of the index is the OR of the select bits whose index has it
      const bits = Array.from({ length: Math.log2(W) }, (_, b) => {
        const ks = Array.from({ length: W }, (_, k) => k).filter((k) => (k >> b) & 1);
        return ks.slice(1).reduce<Expr>((acc, k) => acc.or(wsel.bit(k)), wsel.bit(ks[0]!));
      });
      sub = cat(...bits.reverse());
    }
    waddr = m.let('waddr', sub ? cat(slot, sub) : slot);
  }
  let needed: Expr = lastNeeded >= PL + L - 1 ? constant(1, 1) : ltConst(wu, lastNeeded + 1);
  if (wmod) needed = needed.and(ltConst(wmod, K));
  const isNeeded = m.let('is_needed', needed);
  const room = m.let('room', ltConst(ahead, D + bias));
  const lastChunk: Expr = wj ? wj.eq(W - 1) : wsel ? wsel.bit(W - 1) : constant(1, 1);
  // a padding position (writePads) is there to write without input
  const padW: Expr = writePads ? m.let('pad_w', (PL > 0 ? ltConst(wu, PL) : constant(0, 1)).or(geConst(wu, PL + L))) : constant(0, 1);
  const active = m.let('writer_active', wdone.not().and(padW.or(inp.valid)));
  const write = m.let('write', active.and(isNeeded).and(room));
  const drop = m.let('drop', active.and(isNeeded.not()));
  // sub-block input: a beat per sub-block, each written (or, for a position no window reads,
  // dropped) on its own; a padding position has no beats and is dropped at once
  const beatDone = narrow ? isNeeded.not().or(room) : null;
  const finish = beatDone ? (padW.and(isNeeded.not())).or(beatDone.and(lastChunk)) : isNeeded.not().or(room.and(lastChunk)); // the position's last write or its drop
  inp.ready.set(wdone.not().and(padW.not()).and(beatDone ?? finish));
  const take = m.let('take', active.and(finish)); // the writer moves to the next position
  // the sub-block index moves on with each write and, with sub-block input, each dropped beat
  const subStep: Expr = narrow ? m.let('sub_step', write.or(drop.and(padW.not()))) : write;
  let chunk: Expr;
  let padSlotFlags: Signal[] | null = null;
  if (narrow) chunk = writePads ? padW.select(constant(padWord, gw), inp.payload) : inp.payload;
  else if (wsel) {
    const ones = constant((1n << BigInt(gw)) - 1n, gw);
    const zeros = constant(0, gw);
    const en = Array.from({ length: W }, (_, k) => m.let(`wsel_en${k}`, writePads ? wsel.bit(k).and(padW.not()) : wsel.bit(k)));
    const part = (k: number) => inp.payload.slice(k * gw + gw - 1, k * gw);
    let acc: Expr = padBit ? ones : zeros;
    for (let k = 0; k < W; k++) acc = padBit ? acc.and(en[k]!.select(part(k), ones)) : acc.or(en[k]!.select(part(k), zeros));
    chunk = m.let('chunk', acc);
  } else {
    const fresh = wj && W > 1 ? selectChunk(m, inp.payload, wj, W, gw) : inp.payload;
    chunk = writePads ? padW.select(constant(padWord, gw), fresh) : fresh;
  }
  if (padSlots) {
    // a padding position only sets its slot's flag; the RAM keeps the slot's old word
    // a shift register of the last D positions' flags (flags[i]: the slot i writes back, so no
    // write decode): slot r's flag is flags[(waddr - 1 - r) mod D]
    const flags = Array.from({ length: D }, (_, k) => m.reg(`pad_slot${k}`, 1, { reset: null }));
    m.If(write, () => flags.forEach((f, k) => f.set(k === 0 ? padW : flags[k - 1]!)));
    ram.write(cat(constant(0, 1), waddr), inp.payload, write.and(padW.not()));
    padSlotFlags = flags;
  } else ram.write(waddr, chunk, write);

  // ---- reader -----------------------------------------------------------------------------
  const raddr = m.reg('raddr', aw, { reset: 0 });
  const ru = writePads ? null : m.reg('ru', uw, { reset: 0 }); // u of the position being read (zero padding)
  const ruStart = writePads ? null : m.reg('ru_start', uw, { reset: 0 }); // u of window p's first position (p*S)
  const rj = W > 1 ? m.reg('rj', counterBits(W), { reset: 0 }) : null;
  const rbaseNext = m.let('rbase_next', wrapAdd(rbase, (S * W) % N, N));
  m.output('avail', 1).set(winsDone.not().and(geConst(ahead, K + bias).or(wdone)));
  let readAddr: Expr = raddr;
  if (padSlotFlags) {
    // the slot's flag picks the pad half of the RAM (every word there is the pad word)
    const flags = padSlotFlags;
    const padR = m.wire('pad_r', 1);
    const back = m.let('pad_back', waddr.add(raddr.not()).trunc(aw)); // waddr - 1 - raddr
    m.Switch(back, (sw) => {
      for (let k = 1; k < D; k++) sw.Case(k, () => padR.set(flags[k]!));
      sw.Default(() => padR.set(flags[0]!));
    });
    readAddr = cat(padR, raddr);
  }
  const data = ram.read(readAddr, { enable: ce });
  if (ru) {
    const isPad = m.let('is_pad', (PL > 0 ? ltConst(ru, PL) : constant(0, 1)).or(geConst(ru, PL + L)));
    const padQ = m.reg('pad_q', 1, { reset: null, enable: ce });
    padQ.set(isPad);
    m.output('taps', gw).set(data);
    m.output('is_real', 1).set(padQ.not());
  } else m.output('taps', gw).set(data);

  // ---- sequencing -------------------------------------------------------------------------
  m.If(newImage, () => {
    wu.set(u0);
    if (wj) wj.set(0);
    if (wsel) wsel.set(1);
    if (wmod) wmod.set(u0 % S);
    if (waddrReg) waddrReg.set(wordAddr(u0));
    winsDone.set(0);
    if (ruStart) ruStart.set(0);
    ahead.set(u0 + bias);
    rbase.set(0);
    raddr.set(0);
    if (ru) ru.set(0);
    if (rj) rj.set(0);
  }).Else(() => {
    m.If(subStep, () => {
      if (wj) wj.set(lastChunk.select(constant(0, wj.width), wj.add(1).trunc(wj.width)));
      if (wsel) wsel.set(cat(wsel.slice(W - 2, 0), wsel.bit(W - 1)));
      if (waddrReg) waddrReg.set(wrapAdd(waddrReg, 1, N));
    }).Elif(drop, () => {
      if (waddrReg) waddrReg.set(wrapAdd(waddrReg, W % N, N));
    });
    // one position in (not in the tail), S out when the window moves on (not past the
    // image's last window): one adder whose constant operand the two events choose
    const moves = m.let('moves_on', step.and(release).and(lastWindow.not()));
    const inc = m.let('ahead_inc', tail ? take.and(tail.not()) : take);
    const mod = 2 ** ab;
    const delta = (d: number) => constant(((d % mod) + mod) % mod, ab);
    // (S = 1: in and out together leave ahead as it is)
    const d = S === 1 ? inc.select(delta(1), delta(-1)) : moves.select(inc.select(delta(1 - S), delta(-S)), delta(1));
    m.If(S === 1 ? inc.xor(moves) : inc.or(moves), () => ahead.set(ahead.add(d).trunc(ab)));
    m.If(take, () => {
      wu.set(wu.add(1).trunc(uw));
      if (wmod) wmod.set(wmod.eq(S - 1).select(constant(0, wmod.width), wmod.add(1).trunc(wmod.width)));
    });
    m.If(step, () => {
      m.If(release, () => {
        raddr.set(rbaseNext);
        if (ru) ru.set(ruStart!.add(S).trunc(uw));
        if (rj) rj.set(0);
        m.If(lastWindow, () => winsDone.set(1)).Else(() => {
          if (ruStart) ruStart.set(ruStart.add(S).trunc(uw));
          rbase.set(rbaseNext);
        });
      }).Elif(restart, () => {
        raddr.set(rbase);
        if (ru) ru.set(ruStart!);
        if (rj) rj.set(0);
      }).Else(() => {
        raddr.set(wrapAdd(raddr, 1, N));
        if (rj) {
          m.If(rj.eq(W - 1), () => {
            rj.set(0);
            if (ru) ru.set(ru.add(1).trunc(uw));
          }).Else(() => rj.set(rj.add(1).trunc(rj.width)));
        } else if (ru) ru.set(ru.add(1).trunc(uw));
      });
    });
  });
  return m;
}

/** The B-bit two's complement value v in each of `simd` taps (tap t at bits [t*B, (t+1)*B)). */
function tapWord(v: number, B: number, simd: number): bigint {
  const t = BigInt.asUintN(B, BigInt(v));
  let w = 0n;
  for (let k = 0; k < simd; k++) w |= t << BigInt(k * B);
  return w;
}

/** Sub-block j (SIMD taps, `simd` bits here) of the input word: the W:1 write-data mux. */
function selectChunk(m: Module, word: Expr, j: Signal, W: number, simd: number): Expr {
  const w = m.wire('chunk', simd);
  m.Switch(j, (sw) => {
    for (let k = 0; k < W; k++) sw.Case(k, () => w.set(word.slice(k * simd + simd - 1, k * simd)));
    sw.Default(() => w.set(word.slice(simd - 1, 0)));
  });
  return w;
}

/**
 * TypeScript model: the reads of one image as the engine issues them, window by window, fold
 * by fold, group by group: the SIMD tap values of each group and whether its position is real.
 */
export function ramWindowModel(o: RamWindowOptions, image: number[][], folds: number): { taps: number[]; real: number }[] {
  const W = o.channels / o.simd;
  const out: { taps: number[]; real: number }[] = [];
  const padBit = o.bits > 1 ? (o.pad.kind === 'const' ? o.pad.value : 0) : o.pad.kind === 'const' && o.pad.value === 1 ? 1 : 0;
  for (let p = 0; p < o.positions; p++) {
    for (let f = 0; f < folds; f++) {
      for (let g = 0; g < o.kernel * W; g++) {
        const i = p * o.stride - o.padLeft + Math.floor(g / W);
        const j = g % W;
        const real = i >= 0 && i < o.length;
        const taps = Array.from({ length: o.simd }, (_, t) => (real ? image[i]![j * o.simd + t]! : padBit));
        out.push({ taps, real: real ? 1 : 0 });
      }
    }
  }
  return out;
}

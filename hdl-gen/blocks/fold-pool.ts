/**
 * Fold-serial pool unit: max-pooling over conv positions that arrive fold by fold. A folded
 * engine produces each position as `folds` words of PE lanes (fold f holds channels
 * f*PE .. f*PE+PE-1), strictly in the order f = 0, 1, .., folds-1; this unit pools each fold
 * word as it comes instead of first assembling the whole position (blocks/pool.ts does that).
 *
 * Windows and slots are those of blocks/pool.ts (poolWindowTracker): m = ceil((size - 1) /
 * stride) partials in age order, moved down one slot at every multiple of the stride, the
 * ending window's always in slot 0; where windows end depends only on the position, so the
 * tracker stays in registers. The partial results are per fold: fold f's m slots x
 * PE lanes live in word f of a `folds`-word state memory, read-modify-written once per fold
 * word. The read is registered (block RAM needs it) and pre-read: when fold f is written,
 * word f+1 (0 after the last fold) is read, so it sits in the read register when fold f+1
 * arrives. Read and write addresses differ in every cycle because folds >= 2, which is also
 * what lets the memory skip Yosys's read-during-write bypass (disjointReadWrite). The read
 * only advances with an accepted word, so input stalls and output back-pressure keep it
 * aligned.
 *
 * The lanes of the window that ends at a position (at most one does) are finished per fold
 * (split pooling: OR_k G_k & L_k, see blocks/threshold.ts) and shifted into an assembly
 * register; with the last fold the whole pooled word, XOR a constant `invert` mask, goes to
 * the output register. The input is refused only when the last fold of an ending window
 * finds that register still full.
 * With `chunkBits` (iCE40, a RAM line buffer behind, hdl-gen/link.ts) the pooled word leaves
 * in chunks of that many bits, each with its last fold (foldPoolChunkFolds).
 * With `serialOut` the pooled word leaves fold by fold instead (one output word of PE lanes
 * per fold of an ending window, in fold order; no assembly register, an output register of
 * PE lanes): for a consumer that works fold by fold as well (blocks/logits.ts's ring). Any
 * fold of an ending window is then refused while the output register is full.
 *
 * Lane values: 'bits' modes pool each of a lane's `width` bits with OR or AND (the same ops
 * in every lane and fold: the engine turns fold-dependent AND channels into OR by pooling
 * inverted bits and inverting back through `invert`); 'max' takes the signed maximum.
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits, isPowerOfTwo } from '../widths.ts';
import { agedPartials, poolSlots, poolTrackerBits, poolTrackerLuts, poolWindowTracker, positionLfsr } from './pool.ts';
import type { Family } from '../../src/design/targets.ts';
import { bramBlocks } from '../estimate.ts';
import { carryAdd } from './const-compare.ts';

/** Where the state memory lives: block RAM, flip-flops, or ECP5 LUT RAM (see estimate.ts's rule). */
export type FoldPoolStorage = 'block' | 'logic' | 'distributed';

export interface FoldPoolOptions {
  /** fold words per position, >= 2 */
  folds: number;
  pe: number;
  size: number;
  stride: number;
  /** pooled outputs per image */
  outputs: number;
  mode:
    | {
        kind: 'bits';
        /** bits per lane */
        width: number;
        /** op of each lane bit (bit 0 first), the same in every lane */
        ops: ('or' | 'and')[];
        /** split pooling: a lane of 2S bits (G_0..G_{S-1}, L_0..L_{S-1}) finishes to one bit */
        splitSlots?: number;
      }
    | { kind: 'max'; width: number };
  /** output bits inverted after assembly (channel c's bits at [c*ow, (c+1)*ow)) */
  invert?: bigint;
  storage: FoldPoolStorage;
  /** emit each fold's pooled lanes as its own output word (see the file comment; no `invert`) */
  serialOut?: boolean;
  /**
   * iCE40: emit the pooled word in chunks of this many bits (a multiple of PE x output bits
   * per lane, at least two folds' worth, dividing the word), lowest first, each as soon as its
   * folds are pooled (foldPoolChunkFolds; link.ts's narrowLinks: a RAM line buffer behind
   * takes them as its sub-blocks)
   */
  chunkBits?: number;
  /** the target family: 'ice40' counts positions with an LFSR (blocks/pool.ts's positionLfsr) */
  family?: Family;
  name?: string;
}

/** Bits per lane and channel on the output. */
export function foldPoolOutBits(o: Pick<FoldPoolOptions, 'mode'>): number {
  return o.mode.kind === 'bits' && o.mode.splitSlots ? 1 : o.mode.width;
}

/** Pooling windows open at once (state slots per channel). */
export function foldPoolSlots(o: Pick<FoldPoolOptions, 'size' | 'stride'>): number {
  return poolSlots(o);
}

/** Width of one state-memory word (all slots of one fold). */
export function foldPoolStateWidth(o: Pick<FoldPoolOptions, 'size' | 'stride' | 'pe' | 'mode'>): number {
  return foldPoolSlots(o) * o.pe * o.mode.width;
}

/**
 * iCE40 with the state in block RAM: the fold counter is a Johnson counter (F / 2 bits, F
 * even, the state memory addressed by its F states out of 2^(F/2) words, so up to 16 folds:
 * a 256-word block holds them). Its step is one inverter and the last fold a two-bit decode,
 * where a binary counter costs a LUT4 per bit for the step and the wrap (the pre-read
 * address needs the next count combinationally) and a compare (yosys 0.23 synth_ice40: see
 * foldPoolResources). Not with flip-flop storage (2^(F/2) words) nor on ECP5 (byte-identical).
 */
export function foldJohnson(o: Pick<FoldPoolOptions, 'folds' | 'size' | 'storage' | 'family'>): boolean {
  return o.family === 'ice40' && o.size > 1 && o.storage === 'block' && o.folds % 2 === 0 && o.folds <= 2 * FOLD_JOHNSON_MAX_BITS;
}
/** Widest Johnson fold counter: 2^8 words fill one iCE40 block RAM (256 x 16). */
export const FOLD_JOHNSON_MAX_BITS = 8;
/** LUT4s of the Johnson fold counter (its step and last-fold decode; fitted, see foldPoolResources). */
export const FOLD_JOHNSON_LUTS = 5;

/**
 * iCE40, integer max with block storage and serial output (the logit layer's pool): the slots
 * are merged one at a time through a single comparator and choice (slotSerialMaxPool), each
 * slot in its own block-RAM word. The parallel form costs 2w LUT4 per slot and lane (the age
 * move and the choice of the maximum) and a comparator per slot; aami5's conv6 pool (5 folds,
 * 10 bits, 3 slots) went 80 -> 46 LUT4 and 2 -> 1 SB_RAM40_4K (yosys 0.23 synth_ice40). It
 * takes each fold word for FOLD_POOL_SLOT_SERIAL_BUSY + slots (+1 at a move) cycles, so it
 * pays where the fold words come further apart than that: in front of the logit unit a fold
 * word is a full dot product (C_in K / SIMD cycles, 56 in the 1 ms folding); the estimate
 * counts the slower pace where it is not (foldPoolWordCycles). Only on iCE40 (ECP5 keeps
 * its LUT-RAM form byte-identical) and at PE 1 (one lane: the choice is one LUT4 per bit).
 */
export function foldPoolSlotSerial(o: Pick<FoldPoolOptions, 'family' | 'mode' | 'size' | 'storage' | 'serialOut' | 'pe'>): boolean {
  return o.family === 'ice40' && o.mode.kind === 'max' && o.size > 1 && o.storage === 'block' && !!o.serialOut && o.pe === 1;
}
/** Cycles a fold word takes in the slot-serial pool beside its slots: the accepting cycle. */
export const FOLD_POOL_SLOT_SERIAL_BUSY = 1;
/** Fewest cycles between two fold words the pool takes (1 but for the slot-serial form). */
export function foldPoolWordCycles(o: Pick<FoldPoolOptions, 'family' | 'mode' | 'size' | 'stride' | 'storage' | 'serialOut' | 'pe'>): number {
  if (!foldPoolSlotSerial(o)) return 1;
  // a move (shift) reads one slot more: the ending window's, then the m that stay
  return FOLD_POOL_SLOT_SERIAL_BUSY + foldPoolSlots(o) + 1;
}

/**
 * iCE40 with the state in block RAM: the state memory is written in every cycle, at address
 * {write enable, word}; the words with the top bit 0 take the idle cycles' writes and are never
 * read (reads are at {1, word}). Yosys 0.23 maps a gated write to SB_RAM40_4K's WCLKE and also
 * to its active-low MASK, through an inverter LUT (MASK = ~enable); an ungated write ties MASK
 * to 0: one LUT4 less per pool (aami5 1 ms conv2 pool alone, synth_ice40: 36 -> 35). Read and
 * write addresses still differ in every cycle (the top bit, or the word as before), so the
 * memory keeps skipping the read-during-write bypass. Only where the doubled depth takes no
 * more blocks; not on ECP5 (LUT RAM there, and its designs stay byte-identical).
 */
export function foldPoolWritesAlways(o: Pick<FoldPoolOptions, 'family' | 'storage' | 'size'>, addrBits: number, width: number): boolean {
  return o.family === 'ice40' && o.storage === 'block' && o.size > 1 && bramBlocks(2 << addrBits, width, 'ice40') === bramBlocks(1 << addrBits, width, 'ice40');
}

/**
 * Folds per output chunk with `chunkBits` (chunkBits / (PE x output bits per lane)), or null
 * for a whole-position (or serial) output. A chunk goes to the output register with its last
 * fold, from an assembly register of the chunk's earlier folds (per - 1 folds' bits, not
 * F - 1) into an output register of chunkBits (not the position's F x PE bits): aami5's 1 ms
 * conv5 pool (32 folds x 2 bits, chunks of 8 for conv6's SIMD 8 RAM window) 126 -> 14 FF of
 * assembly and output (see link.ts for the LUT4). Every inverted output bit is then inverted
 * as its fold enters (foldPoolEntryInversion), since a chunk's bits change channels with the
 * fold.
 */
export function foldPoolChunkFolds(o: Pick<FoldPoolOptions, 'chunkBits' | 'serialOut' | 'folds' | 'pe' | 'mode'>): number | null {
  if (o.chunkBits === undefined || o.serialOut) return null;
  const OB = o.pe * foldPoolOutBits(o);
  const per = o.chunkBits / OB;
  if (!Number.isInteger(per) || per < 2 || o.folds % per !== 0) throw new RangeError(`foldPoolUnit: chunks of ${o.chunkBits} bits do not split ${o.folds} folds of ${OB} bits into groups of two or more folds`);
  return per === o.folds ? null : per;
}

/**
 * iCE40, whole-position output with an `invert` mask: the output bits whose assembly-register
 * copy would be inverted on the way to the output register (one inverter LUT4 each, a
 * flip-flop output having no free inversion) are instead inverted as the fold's pooled bit
 * enters: fold_result ^ m(fold), m being the OR of the fold counter's decodes of the folds
 * where that lane bit is inverted. Chosen per lane bit where that costs fewer LUT4 than one per
 * inverted fold: the decode needs the counter bits it reads (Johnson: two per fold, binary:
 * all), about 1 + ceil((bits - 3) / 3) LUT4 beside the fold's pooled bit (fitted, yosys 0.23
 * synth_ice40 of aami5's 1 ms pools: conv1 one lane bit inverted in 4 of 8 folds, 4 -> 2;
 * conv4 a lane bit in 3 of 16 folds, 3 -> 2; conv5 two lane bits in 10 of 32 folds, 10 -> 4).
 * Returns, per output lane bit (bit i of the fold word), the folds it is inverted in at the
 * entry (empty: the output XOR keeps it), and the modelled LUT4 of all inversions.
 * Not on ECP5 (byte-identical designs).
 */
export function foldPoolEntryInversion(o: Pick<FoldPoolOptions, 'family' | 'serialOut' | 'invert' | 'folds' | 'pe' | 'mode' | 'size' | 'storage' | 'chunkBits'>): { entry: number[][]; lut4: number } {
  const F = o.folds;
  const OB = o.pe * foldPoolOutBits(o);
  const entry: number[][] = Array.from({ length: OB }, () => []);
  let lut4 = 0;
  const inv = o.invert ?? 0n;
  for (let i = 0; i < OB; i++) {
    const folds: number[] = [];
    for (let f = 0; f < F; f++) if ((inv >> BigInt(f * OB + i)) & 1n) folds.push(f);
    if (folds.length === 0) continue;
    let cost = folds.length;
    // chunked output: every inverted bit at the entry (foldPoolChunkFolds)
    const chunked = foldPoolChunkFolds(o) !== null;
    if ((o.family === 'ice40' && !o.serialOut) || chunked) {
      const johnson = foldJohnson(o);
      const bits = johnson ? new Set(folds.flatMap((f) => johnsonDecodeBits(f, F / 2))).size : counterBits(F);
      const entryCost = 1 + Math.max(0, Math.ceil((bits - 3) / 3));
      if (entryCost < cost || chunked) {
        entry[i] = folds;
        cost = entryCost;
      }
    }
    lut4 += cost;
  }
  return { entry, lut4 };
}

/** The two bits of an n-bit Johnson counter (blocks/fold-pool.ts's fold counter) that tell state k (0 <= k < 2n) from the others: [bit, its value] pairs. */
function johnsonDecode(k: number, n: number): [number, boolean][] {
  if (n === 1) return [[0, k === 1]];
  if (k === 0) return [[0, false], [n - 1, false]];
  if (k < n) return [[k - 1, true], [k, false]];
  if (k === n) return [[n - 1, true], [0, true]];
  return [[k - n, true], [k - n - 1, false]];
}
function johnsonDecodeBits(k: number, n: number): number[] {
  return johnsonDecode(k, n).map(([b]) => b);
}

export function foldPoolUnit(o: FoldPoolOptions): Module {
  const F = o.folds;
  if (!Number.isInteger(F) || F < 2) throw new RangeError(`foldPoolUnit: needs at least 2 folds, got ${F} (use poolUnit)`);
  if (foldPoolSlotSerial(o)) return slotSerialMaxPool(o);
  const pe = o.pe;
  const w = o.mode.width;
  const B = pe * w;
  const ow = foldPoolOutBits(o);
  const OB = pe * ow;
  const slots = foldPoolSlots(o);
  if (o.serialOut && o.invert) throw new RangeError('foldPoolUnit: serialOut takes no invert mask');
  const m = new Module(o.name ?? `foldpool_f${F}_pe${pe}_${o.mode.kind}${w}_s${o.size}_${o.stride}_n${o.outputs}${o.serialOut ? '_serial' : ''}`, {
    description: 'fold-serial max-pool: per-fold partial windows in a state memory, pooled word assembled fold by fold',
    params: { folds: F, pe, size: o.size, stride: o.stride, outputs: o.outputs, mode: o.mode.kind, width: w, slots, storage: o.size > 1 ? o.storage : 'none', serialOut: !!o.serialOut, ...(positionLfsr(o) ? { position: 'lfsr' } : {}), ...(foldJohnson(o) ? { foldCounter: 'johnson' } : {}), ...(foldPoolWritesAlways(o, foldJohnson(o) ? F / 2 : counterBits(F), foldPoolStateWidth(o)) ? { stateWrite: 'always' } : {}), ...(foldPoolChunkFolds(o) ? { chunkBits: o.chunkBits! } : {}) },
  });
  const per = foldPoolChunkFolds(o);
  const inp = m.streamIn('in', B);
  const out = m.streamOut('out', o.serialOut ? OB : per ? per * OB : F * OB, { reg: true });
  const mode = o.mode;
  const x = inp.payload;

  const combine = (acc: Expr, v: Expr): Expr => {
    if (mode.kind === 'bits') {
      let orMask = 0n;
      for (let l = 0; l < pe; l++) mode.ops.forEach((op, b) => (orMask |= op === 'or' ? 1n << BigInt(l * w + b) : 0n));
      const andMask = ((1n << BigInt(B)) - 1n) ^ orMask;
      const parts: Expr[] = [];
      if (orMask) parts.push(acc.or(v).and(constant(orMask, B)));
      if (andMask) parts.push(acc.and(v).and(constant(andMask, B)));
      return parts.length === 1 ? parts[0]! : parts[0]!.or(parts[1]!);
    }
    const lanes: Expr[] = [];
    for (let l = pe - 1; l >= 0; l--) {
      const a = acc.slice(l * w + w - 1, l * w).asSigned();
      const b = v.slice(l * w + w - 1, l * w).asSigned();
      lanes.push(a.ge(b).select(a, b).asUnsigned());
    }
    return lanes.length === 1 ? lanes[0]! : cat(...lanes);
  };
  const finish = (word: Expr): Expr => {
    if (mode.kind !== 'bits' || !mode.splitSlots) return word;
    const S = mode.splitSlots;
    const bits: Expr[] = [];
    for (let l = pe - 1; l >= 0; l--) {
      let any: Expr | null = null;
      for (let k = 0; k < S; k++) {
        const t = word.bit(l * w + k).and(word.bit(l * w + S + k));
        any = any ? any.or(t) : t;
      }
      bits.push(any!);
    }
    return bits.length === 1 ? bits[0]! : cat(...bits);
  };

  // ---- position-level tracking (shared with blocks/pool.ts), advanced after the last fold ------
  const johnson = foldJohnson(o);
  const fold = m.reg('fold', johnson ? F / 2 : counterBits(F));
  // Johnson: the last state is 10..0, told apart from the others by its top two bits
  const lastFold = m.let('last_fold', !johnson ? fold.eq(F - 1) : F === 2 ? fold.bit(0) : fold.bit(F / 2 - 1).and(fold.bit(F / 2 - 2).not()));
  const fire = m.wire('fire', 1);
  const t = poolWindowTracker(m, o, fire.and(lastFold));
  const anyEnds = t.ends;

  // A word that completes an output waits while the output register is full. Whole-position
  // output: full is enough, without the consumer's ready (the next engine's line-buffer ready
  // ran through here into the fold counter and the state memory's enables, a 30 ns path on
  // the UP5K); an output completes only every F >= 2 folds, so a consumer that takes each
  // word at once is never waited for, and one that stalls costs at most the cycle in which it
  // takes the word. Serial output (into the logit unit) completes a word on every fold of an
  // ending window, so there the ready lets the next word replace the taken one at once.
  // Chunked output: the chunk's last fold, fold = per - 1 (mod per): the counter's low bits
  // (binary, per a power of two), else a ring register of per bits turning with each fold
  let chunkEnd: Expr = lastFold;
  if (per) {
    if (!johnson && isPowerOfTwo(per)) chunkEnd = m.let('chunk_end', fold.slice(Math.log2(per) - 1, 0).reduceAnd());
    else {
      const ring = m.reg('chunk_ring', per, { reset: 1 });
      m.If(fire, () => ring.set(cat(ring.slice(per - 2, 0), ring.bit(per - 1))));
      chunkEnd = ring.bit(per - 1);
    }
  }
  const blocked = o.serialOut ? anyEnds.and(out.valid).and(out.ready.not()) : chunkEnd.and(anyEnds).and(out.valid);
  const accept = m.let('accept', blocked.not());
  inp.ready.set(accept);
  fire.set(inp.valid.and(accept));
  const nextFold = johnson
    ? F === 2
      ? fold.not()
      : cat(fold.slice(F / 2 - 2, 0), fold.bit(F / 2 - 1).not())
    : lastFold.select(constant(0, fold.width), fold.add(1).trunc(fold.width));

  // ---- per-fold state: read-modify-write of word `fold`, word `fold + 1` pre-read -------------
  // the partials in age order (poolWindowTracker): every slot is merged with every word
  let result: Expr = x;
  if (o.size > 1) {
    const stateW = slots * B;
    const always = foldPoolWritesAlways(o, fold.width, stateW);
    const mem = m.ram('state', { width: stateW, depth: always ? 2 << fold.width : johnson ? 2 ** (F / 2) : F, style: o.storage, disjointReadWrite: true });
    const old = mem.read(always ? cat(constant(1, 1), nextFold) : nextFold, { enable: fire });
    const olds = Array.from({ length: slots }, (_, s) => old.slice(s * B + B - 1, s * B));
    let next: Expr[];
    if (mode.kind === 'max') {
      // 'max' keeps each partial p as ~(p ^ 2^(w-1)): sign flipped (signed order = unsigned
      // order), then inverted, so "x > p" is the carry of one addition (blocks/const-compare.ts;
      // Yosys's comparator costs two LUT4 per bit) and the stored form of the maximum is a
      // per-bit choice between ~x' and the stored partial
      const lanesOf = (e: Expr, f: (lane: Expr) => Expr): Expr => {
        const r: Expr[] = [];
        for (let l = pe - 1; l >= 0; l--) r.push(f(e.slice(l * w + w - 1, l * w)));
        return r.length === 1 ? r[0]! : cat(...r);
      };
      const flip = (v: Expr): Expr => (w > 1 ? cat(v.bit(w - 1).not(), v.slice(w - 2, 0)) : v.not());
      const xT = lanesOf(x, (v) => flip(v).not());
      const xLane = (l: number) => x.slice(l * w + w - 1, l * w);
      const maxT = (pT: Expr): Expr => {
        const r: Expr[] = [];
        for (let l = pe - 1; l >= 0; l--) {
          const p = pT.slice(l * w + w - 1, l * w);
          const xBigger = carryAdd(flip(xLane(l)), p, 0).bit(w);
          r.push(xBigger.select(xT.slice(l * w + w - 1, l * w), p));
        }
        return r.length === 1 ? r[0]! : cat(...r);
      };
      const aged = agedPartials(t.shift, olds, xT, (pT) => maxT(pT));
      next = aged.next;
      // the ending window is always in slot 0 (see poolWindowTracker): its maximum, un-inverted
      result = lanesOf(aged.ending, (v) => flip(v.not()));
    } else {
      const aged = agedPartials(t.shift, olds, x, combine);
      next = aged.next;
      // the ending window is always in slot 0 (see poolWindowTracker)
      result = aged.ending;
    }
    const word = next.length === 1 ? next[0]! : cat(...next.slice().reverse());
    if (always) mem.write(cat(fire, fold), word, constant(1, 1));
    else mem.write(fold, word, fire);
  }
  const done = m.let('fold_result', finish(result));
  // iCE40: some inverted output bits are inverted as the fold enters (foldPoolEntryInversion)
  const inversion = foldPoolEntryInversion(o);
  let outInvert = o.invert ?? 0n;
  let entered: Expr = done;
  if (inversion.entry.some((fs) => fs.length > 0)) {
    const foldIs = (k: number): Expr => {
      if (!johnson) return fold.eq(k);
      const [a, b] = johnsonDecode(k, F / 2);
      const lit = ([bit, v]: [number, boolean]): Expr => (v ? fold.bit(bit) : fold.bit(bit).not());
      return b ? lit(a!).and(lit(b)) : lit(a!);
    };
    const bits: Expr[] = [];
    for (let i = OB - 1; i >= 0; i--) {
      const fs = inversion.entry[i]!;
      if (fs.length === 0) {
        bits.push(done.bit(i));
        continue;
      }
      let m_: Expr = foldIs(fs[0]!);
      for (const f of fs.slice(1)) m_ = m_.or(foldIs(f));
      bits.push(done.bit(i).xor(m_));
      for (const f of fs) outInvert &= ~(1n << BigInt(f * OB + i));
    }
    entered = m.let('fold_entered', OB === 1 ? bits[0]! : cat(...bits));
  }

  // ---- assembly and output ---------------------------------------------------------------------
  m.If(out.ready.and(out.valid), () => out.valid.set(0));
  if (o.serialOut) {
    m.If(fire.and(anyEnds), () => {
      out.valid.set(1);
      out.payload.set(done);
    });
  } else if (per) {
    // a chunk's folds but its last, shifted in from the top: its first fold ends at the bottom
    if (outInvert) throw new Error('foldPoolUnit: a chunked output inverts at the entry');
    const asm = m.reg('assembly', (per - 1) * OB, { reset: null });
    m.If(fire.and(anyEnds).and(chunkEnd.not()), () => asm.set(per === 2 ? entered : cat(entered, asm.slice((per - 1) * OB - 1, OB))));
    m.If(fire.and(anyEnds).and(chunkEnd), () => {
      out.valid.set(1);
      out.payload.set(cat(entered, asm));
    });
  } else {
    // folds 0..F-2 of the ending window, shifted in from the top: fold 0 ends at the bottom
    const asm = m.reg('assembly', (F - 1) * OB, { reset: null });
    m.If(fire.and(anyEnds).and(lastFold.not()), () => asm.set(F === 2 ? entered : cat(entered, asm.slice((F - 1) * OB - 1, OB))));
    m.If(fire.and(anyEnds).and(lastFold), () => {
      out.valid.set(1);
      const word = cat(entered, asm);
      out.payload.set(outInvert ? word.xor(constant(outInvert, F * OB)) : word);
    });
  }

  m.If(fire, () => fold.set(nextFold));
  return m;
}

/**
 * The slot-serial integer max pool (foldPoolSlotSerial). The state memory holds one word per
 * fold and slot (address {fold, j}), each partial p in the stored form ~(p ^ 2^(w-1)) of the
 * parallel unit, so "x > p" is one addition's carry. A fold word is taken (its sign-flipped
 * value into a register) while the unit is idle, and slot 0 of its fold is read in the same
 * cycle; then in busy step j = 1, 2, .. the read register holds slot j - 1 (slot j is read for
 * the next step) and one comparator and a w-bit choice give max(slot j - 1, x):
 *   - step 1 with a window ending: that is the pooled value, un-inverted to the output register;
 *   - without a move (shift) it goes back to slot j - 1, with a move to slot j - 2, and the
 *     extra step j = m + 1 writes x itself to slot m - 1 (its read is ignored), as
 *     agedPartials does it in parallel.
 * Read and write addresses differ in every step (write slot < j), so there is no bypass
 * (disjointReadWrite). The fold counter and the window tracker advance in the last step, so
 * `shift` and `ends` hold through the steps. The input is refused while busy, and when a
 * window ends while the output register is full and not being taken (the pooled value
 * enters it in step 1).
 */
function slotSerialMaxPool(o: FoldPoolOptions): Module {
  const F = o.folds;
  const w = o.mode.width;
  const slots = foldPoolSlots(o);
  const m = new Module(o.name ?? `foldpool_f${F}_pe1_max${w}_s${o.size}_${o.stride}_n${o.outputs}_serial_slots`, {
    description: 'fold-serial max-pool, slot by slot: one comparator, the partial windows in block RAM one word per fold and slot',
    params: { folds: F, pe: 1, size: o.size, stride: o.stride, outputs: o.outputs, mode: 'max', width: w, slots, storage: o.storage, serialOut: true, slotSerial: true, ...(positionLfsr(o) ? { position: 'lfsr' } : {}), ...(foldJohnson(o) ? { foldCounter: 'johnson' } : {}), ...(foldPoolWritesAlways(o, (foldJohnson(o) ? F / 2 : counterBits(F)) + counterBits(slots + 2), w) ? { stateWrite: 'always' } : {}) },
  });
  const inp = m.streamIn('in', w);
  const out = m.streamOut('out', w, { reg: true });

  const johnson = foldJohnson(o);
  const fold = m.reg('fold', johnson ? F / 2 : counterBits(F));
  const lastFold = m.let('last_fold', !johnson ? fold.eq(F - 1) : F === 2 ? fold.bit(0) : fold.bit(F / 2 - 1).and(fold.bit(F / 2 - 2).not()));
  const nextFold = johnson
    ? F === 2
      ? fold.not()
      : cat(fold.slice(F / 2 - 2, 0), fold.bit(F / 2 - 1).not())
    : lastFold.select(constant(0, fold.width), fold.add(1).trunc(fold.width));

  // step counter: 0 idle, 1 .. m (+ 1 with a move) busy
  const jBits = counterBits(slots + 2);
  const j = m.reg('step', jBits);
  const busy = m.let('busy', j.reduceOr());
  const advance = m.wire('advance', 1);
  const t = poolWindowTracker(m, o, advance.and(lastFold));
  const shift = t.shift;
  const ends = t.ends;
  const lastStep = m.let('last_step', shift.select(j.eq(slots + 1), j.eq(slots)));
  advance.set(busy.and(lastStep));

  const accept = m.let('accept', busy.or(ends.and(out.valid).and(out.ready.not())).not());
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));

  const flip = (v: Expr): Expr => (w > 1 ? cat(v.bit(w - 1).not(), v.slice(w - 2, 0)) : v.not());
  // x with its sign flipped (signed order = unsigned order); ~xf is x's stored form
  const xf = m.reg('x_flip', w, { reset: null });
  m.If(fire, () => xf.set(flip(inp.payload)));

  const always = foldPoolWritesAlways(o, fold.width + jBits, w);
  const depth = always ? 2 << (fold.width + jBits) : (johnson ? 2 ** (F / 2) : F) << jBits;
  const mem = m.ram('state', { width: w, depth, style: o.storage, disjointReadWrite: true });
  const old = mem.read(always ? cat(constant(1, 1), fold, j) : cat(fold, j));
  const xBigger = carryAdd(xf, old, 0).bit(w);
  // step m + 1 (only with a move) writes x itself to the top slot
  const takeX = m.let('take_x', xBigger.or(j.eq(slots + 1)));
  const merged = m.let('merged', takeX.select(xf.not(), old));
  const first = j.eq(1);
  const writeSlot = shift.select(j.sub(2).trunc(jBits), j.sub(1).trunc(jBits)).asUnsigned();
  const we = busy.and(shift.and(first).not());
  if (always) mem.write(cat(we, fold, writeSlot), merged, constant(1, 1));
  else mem.write(cat(fold, writeSlot), merged, we);

  m.If(out.ready.and(out.valid), () => out.valid.set(0));
  m.If(busy.and(first).and(ends), () => {
    out.valid.set(1);
    // max(slot 0, x), un-inverted: x where it is bigger, else the stored partial's value
    out.payload.set(flip(merged.not()));
  });
  m.If(fire, () => j.set(constant(1, jBits)));
  m.If(busy, () => j.set(lastStep.select(constant(0, jBits), j.add(1).trunc(jBits))));
  m.If(advance, () => fold.set(nextFold));
  return m;
}

/**
 * TypeScript model: the pooled output words' channel values of one image. `image[p][c]` is
 * channel c's lane value at conv position p (bits modes: the lane's `width` bits as an
 * unsigned integer; 'max': a signed integer); the result has, per pooled output, each
 * channel's output value (bits: `foldPoolOutBits` bits, inverted per `invert`; max: signed).
 */
export function foldPoolModel(o: FoldPoolOptions, image: number[][]): number[][] {
  const C = o.folds * o.pe;
  const ow = foldPoolOutBits(o);
  const out: number[][] = [];
  for (let q = 0; q < o.outputs; q++) {
    const row: number[] = [];
    for (let c = 0; c < C; c++) {
      const vals = Array.from({ length: o.size }, (_, k) => image[q * o.stride + k]![c]!);
      let v: number;
      if (o.mode.kind === 'max') v = Math.max(...vals);
      else {
        v = 0;
        o.mode.ops.forEach((op, b) => {
          const bits = vals.map((x) => (x >> b) & 1);
          const r = op === 'or' ? bits.some((t) => t === 1) : bits.every((t) => t === 1);
          if (r) v |= 1 << b;
        });
        const S = o.mode.splitSlots;
        if (S) {
          let any = 0;
          for (let k = 0; k < S; k++) any |= (v >> k) & (v >> (S + k)) & 1;
          v = any;
        }
        if (o.invert) v ^= Number((o.invert >> BigInt(c * ow)) & ((1n << BigInt(ow)) - 1n));
      }
      row.push(v);
    }
    out.push(row);
  }
  return out;
}

/**
 * Resources of this unit (LUT4 and FF in iCE40 cells, block RAM, and ECP5 LUT RAM cells),
 * structure by structure; B = PE x lane bits per fold word, m slots, F folds, OB = PE x
 * output bits per lane:
 * - per slot, the age move and the merge with the word (bits: one LUT4 per bit; max: the
 *   move and the choice of the maximum, 2w per lane, the comparison being an addition's
 *   carry); the ending window is always in slot 0, so no choice of the ending slot;
 * - split finishing (one LUT4 per interval slot and lane), the constant inversion on the way
 *   to the output register (one LUT4 per inverted bit);
 * - assembly shift register (F - 1) OB FFs, output register F OB + 1 FFs (serialOut: no
 *   assembly, output register OB + 1 FFs);
 * - state memory of F words x m B bits: block RAM (its read register inside); flip-flops
 *   (F m B, the read register m B, an F:1 read multiplexer); ECP5 LUT RAM (16 x 4 bits per
 *   TRELLIS_DPR16X4, read register m B, a 16-word-bank multiplexer beyond 16 folds);
 * - counters: fold and the window tracker's (blocks/pool.ts: position, phase, warm-up flag):
 *   their bits in FFs and 2.2 LUT4 per bit (fitted: at aami5's UP5K fit and auto foldings,
 *   37..85 LUT4, the estimate is within -3..+1 LUT4 and exact in FFs); on iCE40 the position
 *   counter is an LFSR (blocks/pool.ts's poolTrackerLuts) and, with block storage and at most
 *   16 folds, the fold counter a Johnson counter of F / 2 bits, FOLD_JOHNSON_LUTS (the 1 ms
 *   folding's six pools: 30/36/50/37/52/80 LUT4, estimate 32/33/50/38/50/81, FFs exact);
 *   an always-written block (foldPoolWritesAlways) saves the write-mask inverter, one LUT4
 *   (the 1 ms folding's conv2/conv3/conv5 pools 36/50/52 -> 35/49/51, conv6's 54 -> 53);
 *   with it and the entry inversion (foldPoolEntryInversion) the six pools measure
 *   28/35/49/36/45/53 LUT4 (bitbeat synth of the whole design), the estimate moving by
 *   -3/-1/-1/-2/-7/-1 for measured -2/-1/-1/-1/-7/-1.
 */
export function foldPoolResources(o: Omit<FoldPoolOptions, 'name'>, family: Family): { lut4: number; ff: number; bram: number; lutram: number } {
  const F = o.folds;
  const w = o.mode.width;
  const B = o.pe * w;
  const ow = foldPoolOutBits(o);
  const OB = o.pe * ow;
  const slots = foldPoolSlots(o);
  const stateful = o.size > 1;
  const johnson = foldJohnson(o);
  const foldBits = johnson ? F / 2 : counterBits(F);
  const foldLuts = johnson ? FOLD_JOHNSON_LUTS : 2.2 * counterBits(F);
  if (foldPoolSlotSerial(o)) {
    // slot-serial (slotSerialMaxPool): the merge choice and the output's choice, w LUT4 each;
    // the step counter, its decodes and the write address (step - 1 or - 2), about 3 LUT4 per
    // step bit and 4 of handshake and carry-out; FFs: x, the step counter, the output register.
    // yosys 0.23 synth_ice40, aami5's 1 ms conv6 pool (F = 5, w = 10, m = 3): 54 LUT4, 40 FF;
    // this formula 54 / 40.
    const jBits = counterBits(slots + 2);
    const depth = (johnson ? 2 ** (F / 2) : F) << jBits;
    return {
      lut4: Math.round(2 * w + 3 * jBits + 4 + foldLuts + poolTrackerLuts(o)) - (foldPoolWritesAlways(o, foldBits + jBits, w) ? 1 : 0),
      ff: w + jBits + w + 1 + foldBits + poolTrackerBits(o),
      bram: bramBlocks(depth, w, family),
      lutram: 0,
    };
  }
  let lut4 = 0;
  let ff = 0;
  let bram = 0;
  let lutram = 0;
  if (stateful) {
    lut4 += o.mode.kind === 'max' ? slots * o.pe * 2 * w : slots * B;
    const stateBits = slots * B;
    if (o.storage === 'block') bram += bramBlocks(F, stateBits, family);
    else if (o.storage === 'logic') {
      ff += F * stateBits + stateBits;
      lut4 += (F - 1) * stateBits;
    } else {
      lutram += Math.ceil(F / 16) * Math.ceil(stateBits / 4);
      ff += stateBits;
      lut4 += (Math.ceil(F / 16) - 1) * stateBits;
    }
  }
  if (o.mode.kind === 'bits' && o.mode.splitSlots) lut4 += o.pe * o.mode.splitSlots;
  // the inversions (one LUT4 per inverted bit, fewer where iCE40 inverts at the entry)
  lut4 += foldPoolEntryInversion(o).lut4;
  // chunked output (foldPoolChunkFolds): the chunk's assembly and output registers, and a
  // ring register for the chunk's last fold where the fold counter's low bits do not tell it
  const per = foldPoolChunkFolds(o);
  if (per) ff += (per - 1) * OB + per * OB + 1 + (johnson || !isPowerOfTwo(per) ? per : 0);
  else ff += o.serialOut ? OB + 1 : (F - 1) * OB + F * OB + 1;
  ff += foldBits + poolTrackerBits(o);
  lut4 += Math.round(foldLuts + poolTrackerLuts(o));
  // the write-mask inverter that an always-written state memory does without
  if (stateful && foldPoolWritesAlways(o, foldBits, slots * B)) lut4 -= 1;
  return { lut4, ff, bram, lutram };
}


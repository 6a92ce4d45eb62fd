/**
 * 1-D line buffer / sliding window. Consumes a stream of input positions (C channels x b
 * bits, channel c in bits [c*b, (c+1)*b)) and offers, as a stream, the window of output
 * position p = 0..P-1: K positions i = p*stride - padLeft + k (k = 0..K-1). Tap k*C + c of
 * the window is bits [(k*C+c)*b, ...): the weight bit order of the model. Padding positions
 * (i < 0 or i >= L) are inserted without consuming input:
 *   'zero' (binary pad 0): data 0 and a mask bit 0 in the payload's top K bits (mask bit k
 *          = 1 for a real position), so the engine can leave the tap out of the sum;
 *   a constant word (binary pad ±1: every bit the pad bit; integer input: pad.value in every
 *          channel) with no mask.
 * Input positions no window reads (trailing ones, or gaps when stride > K) are consumed and
 * dropped, so every image consumes exactly L positions.
 *
 * The window register is loaded K positions at a time at the start of an image; while the
 * engine works on a window (stream not yet accepted) the next min(stride, K) positions go
 * into a staging register, so advancing costs no cycle when the input keeps up. The next
 * image starts loading once the engine has accepted the image's last window.
 *
 * With `lanes` > 1 (layer 1 fed by a multi-lane normalizer) each input beat carries `lanes`
 * consecutive positions (position i in lane i mod lanes, lane 0 in the low bits; the lanes of
 * the last beat past position length-1 are ignored), and laneLineBuffer below takes a whole
 * beat, or up to `lanes` padding positions, per cycle into a short queue whose first K
 * entries are the window.
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';
import { eqConstAtMost, geConst, ltConst } from './const-compare.ts';
import type { Family } from '../../src/design/targets.ts';

export interface LineBufferOptions {
  /** input positions per image */
  length: number;
  channels: number;
  /** bits per channel value */
  bits: number;
  kernel: number;
  stride: number;
  padLeft: number;
  padRight: number;
  /** 'zero' (masked) or the constant word each channel of a padding position holds */
  pad: { kind: 'zero' } | { kind: 'const'; value: number };
  /** output positions per image (the engine's P; at most the conv length) */
  positions: number;
  /** input positions per beat (default 1); more than 1 needs stride <= kernel */
  lanes?: number;
  name?: string;
  /** the target's family: the iCE40 form below (no window counter) is measured there */
  family?: Family;
}

/** Window payload width: taps plus the mask when padding is 'zero'. */
export function windowWidth(o: LineBufferOptions): number {
  return o.kernel * o.channels * o.bits + (o.pad.kind === 'zero' ? o.kernel : 0);
}

/** One padding position: every channel at the pad value (b bits each), or zeros. */
function padWordOf(pad: LineBufferOptions['pad'], channels: number, bits: number): bigint {
  if (pad.kind === 'zero') return 0n;
  const v = BigInt.asUintN(bits, BigInt(pad.value));
  let w = 0n;
  for (let c = 0; c < channels; c++) w |= v << BigInt(c * bits);
  return w;
}

/** Why a line buffer cannot take `lanes` positions per beat, or null when it can. */
export function lanesUnsupported(o: Pick<LineBufferOptions, 'kernel' | 'stride' | 'length'>, lanes: number): string | null {
  if (!Number.isInteger(lanes) || lanes < 1) return `lanes must be a positive integer, got ${lanes}`;
  if (lanes === 1) return null;
  if (o.stride > o.kernel) return `stride ${o.stride} exceeds kernel ${o.kernel} (gap positions are dropped one at a time)`;
  if (lanes > o.length) return `lanes ${lanes} exceeds the input length ${o.length}`;
  return null;
}

export function lineBuffer(o: LineBufferOptions): Module {
  if ((o.lanes ?? 1) > 1) return laneLineBuffer(o);
  const { length: L, channels: C, bits: b, kernel: K, stride: S, padLeft: PL, positions: P } = o;
  const posW = C * b;
  const adv = Math.min(S, K);
  const lastNeeded = (P - 1) * S - PL + K - 1; // last input position (may be padding) read
  const U = Math.max(L + PL, lastNeeded + PL + 1); // loader steps per image: u = i + padLeft
  const masked = o.pad.kind === 'zero';
  const m = new Module(o.name ?? `linebuf_l${L}_c${C}x${b}_k${K}_s${S}_p${PL}_${o.padRight}_${masked ? 'z' : 'c'}_n${P}`, {
    description: 'sliding window over a stream of positions, with exact padding',
    params: { length: L, channels: C, bits: b, kernel: K, stride: S, padLeft: PL, padRight: o.padRight, pad: masked ? 'zero' : `const ${(o.pad as { value: number }).value}`, positions: P },
  });
  const inp = m.streamIn('in', posW);
  const win = m.streamOut('win', windowWidth(o));

  const padWord = padWordOf(o.pad, C, b);

  // ---- loader: walks u = 0..U-1 (input position i = u - padLeft) once per image ----------
  const u = m.reg('u', counterBits(U));
  const uMod = S > K ? m.reg('u_mod', counterBits(S)) : null; // (u mod stride) for gap detection
  // the next image starts when the loader has walked this one AND the engine took its last window
  const loaderDone = m.reg('loader_done', 1);
  const windowsDone = m.reg('windows_done', 1);
  // iCE40 (measured there): the loader's constant compares as AND/OR chains of u's bits
  // (const-compare.ts) instead of Yosys's carry chains, which were the design's critical path
  // (u -> is_pad -> in_ready -> the normalizer) on the aami5 1-ms design
  const ice40 = o.family === 'ice40';
  const uGe = (c: number): Expr => (ice40 ? geConst(u, c) : u.ge(c));
  const uLt = (c: number): Expr => (ice40 ? ltConst(u, c) : u.lt(c));
  const pastEnd: Expr = PL + L < U ? uGe(PL + L) : constant(0, 1);
  const isPad = m.let('is_pad', PL > 0 ? uLt(PL).or(pastEnd) : pastEnd);
  let needed: Expr = lastNeeded + PL >= U - 1 ? constant(1, 1) : ice40 ? ltConst(u, lastNeeded + PL + 1) : u.le(lastNeeded + PL);
  if (uMod) needed = needed.and(ice40 ? ltConst(uMod, K) : uMod.lt(K));
  const isNeeded = m.let('is_needed', needed);

  // ---- window assembly --------------------------------------------------------------------
  // Every entry goes into the staging register (adv positions) and the window only ever
  // moves by adv: window <- window[adv..K-1] ++ stage, so each window bit has one source and
  // costs no LUT (a flip-flop with enable), and the stage slots take the entry by their own
  // enable, a padding position through the flip-flops' synchronous set/reset. Only the top
  // window slot has a second source: the entry that completes the stage moves the window in
  // the same cycle (no bubble when the input keeps up). The image's first window takes
  // M = ceil(K/adv) moves; the first stage starts at slot pre = M*adv - K, so the slots that
  // fall off the window's low end are the never-written ones and the fill still takes K
  // entries, one per cycle. (Before: the fill shifted single positions into the window, a
  // second source for every window bit: the aami5 1-ms conv1 window was 164 LUT4.)
  const M = Math.ceil(K / adv);
  const pre = M * adv - K;
  const slots: Signal[] = Array.from({ length: K }, (_, k) => m.reg(`w${k}`, posW, { reset: null }));
  const slotReal: Signal[] = masked ? Array.from({ length: K }, (_, k) => m.reg(`w${k}_real`, 1, { reset: null })) : [];
  // one window (a dense layer: stride 1, so adv = 1): the entry moves straight into the
  // window, nothing arrives while it is offered, and no stage is needed
  const useStage = P > 1 || adv > 1;
  const stage: Signal[] = useStage ? Array.from({ length: adv }, (_, k) => m.reg(`st${k}`, posW, { reset: null })) : [];
  const stageReal: Signal[] = useStage && masked ? Array.from({ length: adv }, (_, k) => m.reg(`st${k}_real`, 1, { reset: null })) : [];
  const nstage = useStage ? m.reg('nstage', counterBits(adv + 1), { reset: pre }) : null;
  // moves the window still owes before it is complete (0 while it is offered)
  const owed = M > 1 ? m.reg('owed', counterBits(M + 1), { reset: M }) : null;
  const full = m.reg('full', 1); // window complete and offered
  // iCE40 (measured there; ECP5 designs stay as they were): no window counter. A window
  // offered once the loader has taken every needed entry, with nothing staged, is the image's
  // last: a later window would need entries from the stage (adv of them) or the loader. On
  // the aami5 1-ms conv1 (1801 windows) that drops pidx and its compare, 11 FF and about 14 LUT4.
  const noPidx = o.family === 'ice40' && nstage !== null;
  const pidx = noPidx ? null : m.reg('pidx', counterBits(P));
  const needEndU = lastNeeded + PL; // last u a window reads
  const pastNeeded: Expr = needEndU >= U - 1 ? loaderDone : loaderDone.or(geConst(u, needEndU + 1));
  const advance = m.let('advance', win.fire);
  const lastPos = pidx ? pidx.eq(P - 1) : m.let('last_pos', pastNeeded.and(nstage!.eq(0)));
  const room = m.let('room', nstage ? ltConst(nstage, adv) : full.not());
  // an entry moves when the loader has one and (for a real position) the input offers it
  const haveEntry = m.let('have_entry', loaderDone.not().and(isPad.or(inp.valid)));
  const take = m.let('take', haveEntry.and(isNeeded.not().or(room)));
  inp.ready.set(loaderDone.not().and(isPad.not()).and(isNeeded.not().or(room)));
  const load = m.let('load', take.and(isNeeded));

  // u never passes U - 1 (it wraps there): on iCE40 (measured there) the AND of U - 1's one-bits
  const uLast = ice40 ? eqConstAtMost(u, U - 1) : u.eq(U - 1);
  m.If(take, () => {
    m.If(uLast, () => {
      u.set(0);
      loaderDone.set(1);
    }).Else(() => u.set(u.add(1).trunc(u.width)));
    if (uMod) uMod.set(uLast.or(uMod.eq(S - 1)).select(constant(0, uMod.width), uMod.add(1).trunc(uMod.width)));
  });
  m.If(loaderDone.and(windowsDone), () => {
    loaderDone.set(0);
    windowsDone.set(0);
  });

  // the stage slot the entry lands in takes it (a padding position: the pad word, by set/reset)
  stage.forEach((st, k) => {
    m.If(load.and(nstage!.eq(k)), () => {
      st.set(isPad.select(constant(padWord, posW), inp.payload));
      if (masked) stageReal[k]!.set(isPad.not());
    });
  });
  // the stage is complete after this cycle's entry: nstage = adv already, or the entry fills it
  const lastIn = m.let('last_in', nstage ? load.and(nstage.eq(adv - 1)) : load);
  const stageFull = nstage ? m.let('stage_full', nstage.eq(adv).or(lastIn)) : lastIn;
  const moveOn = m.let('move_on', advance.and(lastPos.not()));
  // a move is owed: the window was just accepted (not the image's last), or it is not complete
  // (no entry is loaded while the last window is offered or after it: the stage cannot be
  // complete then, so 'not full' needs no further qualification)
  const wants = moveOn.or(full.not());
  const move = m.let('move', wants.and(stageFull));
  m.If(move, () => {
    for (let k = 0; k + 1 < K; k++) {
      slots[k]!.set(k + adv < K ? slots[k + adv]! : stage[k + adv - K]!);
      if (masked) slotReal[k]!.set(k + adv < K ? slotReal[k + adv]! : stageReal[k + adv - K]!);
    }
    // the top slot: this cycle's entry when it completes the stage, else the stage's last
    if (nstage) {
      slots[K - 1]!.set(lastIn.and(isPad).select(constant(padWord, posW), lastIn.select(inp.payload, stage[adv - 1]!)));
      if (masked) slotReal[K - 1]!.set(lastIn.select(isPad.not(), stageReal[adv - 1]!));
      nstage.set(0);
    } else {
      slots[K - 1]!.set(isPad.select(constant(padWord, posW), inp.payload));
      if (masked) slotReal[K - 1]!.set(isPad.not());
    }
  });
  if (nstage) m.If(load.and(move.not()), () => nstage.set(nstage.add(1).trunc(nstage.width)));

  if (owed) {
    // owed counts down the first window's moves; a later window owes one from its acceptance
    const owedNow = m.let('owed_now', moveOn.select(constant(1, owed.width), owed));
    m.If(advance.and(lastPos), () => owed.set(M)).Elif(move, () => owed.set(owedNow.sub(constant(1, owed.width)).trunc(owed.width).asUnsigned()))
      .Elif(moveOn, () => owed.set(1));
    m.If(advance.and(lastPos), () => full.set(0)).Elif(move, () => full.set(owedNow.eq(1))).Elif(moveOn, () => full.set(0));
  } else {
    m.If(advance.and(lastPos), () => full.set(0)).Elif(move, () => full.set(1)).Elif(moveOn, () => full.set(0));
  }
  m.If(advance, () => {
    m.If(lastPos, () => {
      if (pidx) pidx.set(0);
      windowsDone.set(1);
      if (nstage) nstage.set(pre);
    }).Else(() => {
      if (pidx) pidx.set(pidx.add(1).trunc(pidx.width));
    });
  });

  win.valid.set(full);
  const data = cat(...slots.slice().reverse());
  win.payload.set(masked ? cat(cat(...slotReal.slice().reverse()), data) : data);
  return m;
}

/** TypeScript model: the P windows of one image, as tap values (k*C + c) and real-position masks. */
export function lineBufferModel(o: LineBufferOptions, image: number[][]): { taps: number[]; mask: number[] }[] {
  const out: { taps: number[]; mask: number[] }[] = [];
  for (let p = 0; p < o.positions; p++) {
    const taps: number[] = [];
    const mask: number[] = [];
    for (let k = 0; k < o.kernel; k++) {
      const i = p * o.stride - o.padLeft + k;
      const real = i >= 0 && i < o.length;
      mask.push(real ? 1 : 0);
      for (let c = 0; c < o.channels; c++) taps.push(real ? image[i]![c]! : o.pad.kind === 'zero' ? 0 : o.pad.value);
    }
    out.push({ taps, mask });
  }
  return out;
}

/**
 * The line buffer for `lanes` positions per beat. The loader walks u = 0..U-1 (input position
 * u - padLeft) a chunk per cycle: up to `lanes` padding positions before and after the input,
 * one whole beat in between (chunks never mix padding and input, so beats stay aligned). The
 * chunk's needed entries are appended to a queue of K + 2 lanes - 1 slots; the first K slots are the
 * window, offered while the queue holds at least K; accepting a window drops its first
 * `stride` entries (all K after the image's last window). A chunk is taken only when the
 * queue has room for `lanes` more entries (counted before this cycle's drop, so no path runs
 * from the engine's ready to the input's ready).
 */
function laneLineBuffer(o: LineBufferOptions): Module {
  const { length: L, channels: C, bits: b, kernel: K, stride: S, padLeft: PL, positions: P } = o;
  const lanes = o.lanes ?? 1;
  const why = lanesUnsupported(o, lanes);
  if (why) throw new RangeError(`line buffer: ${why}`);
  const posW = C * b;
  const lastNeeded = (P - 1) * S - PL + K - 1;
  const U = Math.max(L + PL, lastNeeded + PL + 1);
  const needEnd = lastNeeded + PL + 1; // entries u < needEnd go into the queue
  // a full window (count >= K) must still leave room for a chunk (count <= Q - lanes) at
  // every count a chunk can leave, K..K+lanes-1 (padding chunks may be shorter than `lanes`,
  // so the count's offset from K varies): with only K + lanes slots a count of K + 1 made
  // the queue alternate between full-without-room and room-without-a-window, one window
  // every two cycles
  const Q = K + 2 * lanes - 1;
  const masked = o.pad.kind === 'zero';
  const m = new Module(o.name ?? `linebuf_l${L}_c${C}x${b}_k${K}_s${S}_p${PL}_${o.padRight}_${masked ? 'z' : 'c'}_n${P}_x${lanes}`, {
    description: `sliding window over a stream of positions, ${lanes} per beat, with exact padding`,
    params: { length: L, channels: C, bits: b, kernel: K, stride: S, padLeft: PL, padRight: o.padRight, pad: masked ? 'zero' : `const ${(o.pad as { value: number }).value}`, positions: P, lanes },
  });
  const inp = m.streamIn('in', lanes * posW);
  const win = m.streamOut('win', windowWidth(o));
  const padWord = padWordOf(o.pad, C, b);
  const one = constant(1, 1);
  const zero = constant(0, 1);

  // ---- loader ---------------------------------------------------------------------------
  const uw = counterBits(U + 1);
  const u = m.reg('u', uw);
  const loaderDone = m.reg('loader_done', 1);
  const windowsDone = m.reg('windows_done', 1);
  /** u <= c for a constant c (false when c < 0, true when c covers every u) */
  const upTo = (c: number): Expr => (c < 0 ? zero : c >= U - 1 ? one : u.le(c));
  const pre = m.let('in_pre', upTo(PL - 1));
  const real = m.let('in_real', pre.not().and(upTo(PL + L - 1)));
  // lane e of this chunk exists when u + e stays inside the chunk's phase
  const exists: Expr[] = Array.from({ length: lanes }, (_, e) =>
    e === 0 ? one : m.let(`lane${e}_exists`, pre.select(upTo(PL - 1 - e), real.select(upTo(PL + L - 1 - e), upTo(U - 1 - e)))),
  );
  const needed: Expr[] = exists.map((x, e) => m.let(`lane${e}_needed`, x.and(upTo(needEnd - 1 - e))));
  let chunk: Expr = constant(1, counterBits(lanes + 1));
  for (let e = 1; e < lanes; e++) chunk = exists[e]!.select(constant(e + 1, chunk.width), chunk);
  const uNext = m.let('u_next', u.zext(uw + 1).add(chunk.zext(uw + 1)).trunc(uw + 1));
  const isPad = real.not();
  const entries: Expr[] = Array.from({ length: lanes }, (_, e) => m.let(`entry${e}`, isPad.select(constant(padWord, posW), inp.payload.slice((e + 1) * posW - 1, e * posW))));

  // ---- queue --------------------------------------------------------------------------------
  const slots: Signal[] = Array.from({ length: Q }, (_, k) => m.reg(`q${k}`, posW, { reset: null }));
  const slotReal: Signal[] = masked ? Array.from({ length: Q }, (_, k) => m.reg(`q${k}_real`, 1, { reset: null })) : [];
  const nw = counterBits(Q + 1);
  const count = m.reg('count', nw);
  const pidx = m.reg('pidx', counterBits(P));
  const room = m.let('room', count.le(Q - lanes));
  const anyNeeded = needed[0]!;
  const haveEntry = m.let('have_entry', loaderDone.not().and(isPad.or(inp.valid)));
  const take = m.let('take', haveEntry.and(anyNeeded.not().or(room)));
  inp.ready.set(loaderDone.not().and(real).and(anyNeeded.not().or(room)));

  m.If(take, () => {
    m.If(uNext.eq(U), () => {
      u.set(0);
      loaderDone.set(1);
    }).Else(() => u.set(uNext.trunc(uw)));
  });
  m.If(loaderDone.and(windowsDone), () => {
    loaderDone.set(0);
    windowsDone.set(0);
  });

  const full = m.let('full', count.ge(K));
  const fire = m.let('advance', win.fire);
  const lastPos = m.let('last_pos', pidx.eq(P - 1));
  const pop = m.let('pop', fire.and(lastPos.not()));
  // where this cycle's entries land: after the kept entries (count, less the drop)
  const base = m.let('base', pop.select(count.sub(constant(S, nw)).trunc(nw).asUnsigned(), count));
  const push = needed.map((x, e) => m.let(`push${e}`, take.and(x)));
  let pushed: Expr = constant(0, nw);
  for (let e = 0; e < lanes; e++) pushed = pushed.add(push[e]!.zext(nw)).trunc(nw);
  for (let k = 0; k < Q; k++) {
    // slot k takes lane e when base + e = k; otherwise, on a drop, the entry S further on
    const writes = Array.from({ length: lanes }, (_, e) => e).filter((e) => k - e >= 0 && k - e <= Q - 1);
    const shiftFrom = k + S < Q ? k + S : -1;
    let nextData: Expr = shiftFrom >= 0 ? pop.select(slots[shiftFrom]!, slots[k]!) : slots[k]!;
    let nextReal: Expr | null = masked ? (shiftFrom >= 0 ? pop.select(slotReal[shiftFrom]!, slotReal[k]!) : slotReal[k]!) : null;
    for (const e of writes) {
      const hit = push[e]!.and(base.eq(k - e));
      nextData = hit.select(entries[e]!, nextData);
      if (nextReal) nextReal = hit.select(isPad.not(), nextReal);
    }
    slots[k]!.set(nextData);
    if (masked) slotReal[k]!.set(nextReal!);
  }
  m.If(fire.and(lastPos), () => {
    count.set(0);
    pidx.set(0);
    windowsDone.set(1);
  }).Else(() => {
    count.set(base.add(pushed).trunc(nw));
    m.If(fire, () => pidx.set(pidx.add(1).trunc(pidx.width)));
  });

  win.valid.set(full);
  const data = cat(...slots.slice(0, K).reverse());
  win.payload.set(masked ? cat(cat(...slotReal.slice(0, K).reverse()), data) : data);
  return m;
}

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
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';

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
  name?: string;
}

/** Window payload width: taps plus the mask when padding is 'zero'. */
export function windowWidth(o: LineBufferOptions): number {
  return o.kernel * o.channels * o.bits + (o.pad.kind === 'zero' ? o.kernel : 0);
}

export function lineBuffer(o: LineBufferOptions): Module {
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

  const padWord = (() => {
    if (o.pad.kind === 'zero') return 0n;
    const v = BigInt.asUintN(b, BigInt(o.pad.value));
    let w = 0n;
    for (let c = 0; c < C; c++) w |= v << BigInt(c * b);
    return w;
  })();

  // ---- loader: walks u = 0..U-1 (input position i = u - padLeft) once per image ----------
  const u = m.reg('u', counterBits(U));
  const uMod = S > K ? m.reg('u_mod', counterBits(S)) : null; // (u mod stride) for gap detection
  // the next image starts when the loader has walked this one AND the engine took its last window
  const loaderDone = m.reg('loader_done', 1);
  const windowsDone = m.reg('windows_done', 1);
  const pastEnd: Expr = PL + L < U ? u.ge(PL + L) : constant(0, 1);
  const isPad = m.let('is_pad', PL > 0 ? u.lt(PL).or(pastEnd) : pastEnd);
  let needed: Expr = lastNeeded + PL >= U - 1 ? constant(1, 1) : u.le(lastNeeded + PL);
  if (uMod) needed = needed.and(uMod.lt(K));
  const isNeeded = m.let('is_needed', needed);
  const entryData = m.let('entry_data', isPad.select(constant(padWord, posW), inp.payload));
  const entryReal = isPad.not();

  // ---- window assembly --------------------------------------------------------------------
  const slots: Signal[] = Array.from({ length: K }, (_, k) => m.reg(`w${k}`, posW, { reset: null }));
  const slotReal: Signal[] = masked ? Array.from({ length: K }, (_, k) => m.reg(`w${k}_real`, 1, { reset: null })) : [];
  const useStage = P > 1;
  const stage: Signal[] = useStage ? Array.from({ length: adv }, (_, k) => m.reg(`st${k}`, posW, { reset: null })) : [];
  const stageReal: Signal[] = useStage && masked ? Array.from({ length: adv }, (_, k) => m.reg(`st${k}_real`, 1, { reset: null })) : [];
  const count = m.reg('count', counterBits(K + 1));
  const nstage = useStage ? m.reg('nstage', counterBits(adv + 1)) : null;
  const full = m.reg('full', 1); // window complete and offered
  const waiting = useStage ? m.reg('waiting', 1) : null; // advanced, waiting for the stage to fill
  const pidx = m.reg('pidx', counterBits(P));

  const advance = m.let('advance', win.fire);
  const lastPos = pidx.eq(P - 1);
  const busy = waiting ? full.or(waiting) : full;
  const room = m.let('room', busy.not().and(count.lt(K)).or(nstage ? busy.and(nstage.lt(adv)) : constant(0, 1)));
  // an entry moves when the loader has one and (for a real position) the input offers it
  const haveEntry = m.let('have_entry', loaderDone.not().and(isPad.or(inp.valid)));
  const take = m.let('take', haveEntry.and(isNeeded.not().or(room)));
  inp.ready.set(loaderDone.not().and(isPad.not()).and(isNeeded.not().or(room)));
  const load = m.let('load', take.and(isNeeded));

  m.If(take, () => {
    m.If(u.eq(U - 1), () => {
      u.set(0);
      loaderDone.set(1);
    }).Else(() => u.set(u.add(1).trunc(u.width)));
    if (uMod) uMod.set(u.eq(U - 1).or(uMod.eq(S - 1)).select(constant(0, uMod.width), uMod.add(1).trunc(uMod.width)));
  });

  const shiftInto = (regs: Signal[], reals: Signal[], data: Expr, real: Expr) => {
    for (let k = 0; k + 1 < regs.length; k++) regs[k]!.set(regs[k + 1]!);
    regs[regs.length - 1]!.set(data);
    if (reals.length) {
      for (let k = 0; k + 1 < reals.length; k++) reals[k]!.set(reals[k + 1]!);
      reals[reals.length - 1]!.set(real);
    }
  };
  m.If(loaderDone.and(windowsDone), () => {
    loaderDone.set(0);
    windowsDone.set(0);
  });

  // initial fill of an image: shift into the window
  m.If(load.and(busy.not()), () => {
    shiftInto(slots, slotReal, entryData, entryReal);
    count.set(count.add(1).trunc(count.width));
    m.If(count.eq(K - 1), () => full.set(1));
  });

  m.If(advance.and(lastPos), () => {
    full.set(0);
    count.set(0);
    pidx.set(0);
    windowsDone.set(1);
  });
  if (nstage && waiting) {
    // The stage as it is after this cycle's load (the entry lands at index nstage), so the
    // entry that completes it can move the window in the same cycle.
    const toStage = m.let('to_stage', load.and(busy));
    const effStage = stage.map((st, k) => m.let(`st${k}_next`, toStage.and(nstage.eq(k)).select(entryData, st)));
    const effReal = stageReal.map((st, k) => m.let(`st${k}_real_next`, toStage.and(nstage.eq(k)).select(entryReal, st)));
    const nEff = m.let('nstage_next', toStage.select(nstage.add(1).trunc(nstage.width), nstage));
    const moving = m.let('moving', advance.and(lastPos.not()).or(waiting));
    m.If(advance.and(lastPos.not()), () => pidx.set(pidx.add(1).trunc(pidx.width)));
    m.If(moving.and(nEff.eq(adv)), () => {
      // window <- window[adv..K-1] ++ stage[0..adv-1]
      for (let k = 0; k < K; k++) {
        slots[k]!.set(k + adv < K ? slots[k + adv]! : effStage[k + adv - K]!);
        if (masked) slotReal[k]!.set(k + adv < K ? slotReal[k + adv]! : effReal[k + adv - K]!);
      }
      nstage.set(0);
      waiting.set(0);
      full.set(1);
    }).Elif(moving, () => {
      full.set(0);
      waiting.set(1);
      stage.forEach((st, k) => st.set(effStage[k]!));
      stageReal.forEach((st, k) => st.set(effReal[k]!));
      nstage.set(nEff);
    }).Elif(toStage, () => {
      stage.forEach((st, k) => st.set(effStage[k]!));
      stageReal.forEach((st, k) => st.set(effReal[k]!));
      nstage.set(nEff);
    });
  }

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

/**
 * Stream FIFO between engines: `depth` words (a power of two >= 2), registers, valid/ready
 * on both sides, full throughput (a word can enter and leave in the same cycle).
 */
import { Module } from '../../src/hdl/index.ts';

export interface FifoOptions {
  depth: number;
  width: number;
  name?: string;
}

export function streamFifo(o: FifoOptions): Module {
  const ptr = Math.log2(o.depth);
  if (!Number.isInteger(ptr) || ptr < 1) throw new RangeError(`streamFifo: depth ${o.depth} must be a power of two >= 2`);
  const m = new Module(o.name ?? `fifo_d${o.depth}_w${o.width}`, { description: 'register FIFO with valid/ready streams', params: { depth: o.depth, width: o.width } });
  const push = m.streamIn('in', o.width);
  const pop = m.streamOut('out', o.width);
  const cells = Array.from({ length: o.depth }, (_, i) => m.reg(`cell${i}`, o.width, { reset: null }));
  const wptr = m.reg('wptr', ptr);
  const rptr = m.reg('rptr', ptr);
  const count = m.reg('count', ptr + 1);
  push.ready.set(count.ne(o.depth));
  pop.valid.set(count.ne(0));
  m.Switch(rptr, (sw) => cells.forEach((c, i) => sw.Case(i, () => pop.payload.set(c))));
  const pushFire = m.let('push_fire', push.fire);
  const popFire = m.let('pop_fire', pop.fire);
  m.If(pushFire, () => {
    m.Switch(wptr, (sw) => cells.forEach((c, i) => sw.Case(i, () => c.set(push.payload))));
    wptr.set(wptr.add(1).trunc(ptr));
  });
  m.If(popFire, () => rptr.set(rptr.add(1).trunc(ptr)));
  m.If(pushFire.and(popFire.not()), () => count.set(count.add(1).trunc(ptr + 1))).Elif(popFire.and(pushFire.not()), () => count.set(count.sub(1).trunc(ptr + 1)));
  return m;
}

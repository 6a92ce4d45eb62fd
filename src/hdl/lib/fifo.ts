/**
 * Stream FIFO (SpinalHDL `StreamFifo`, Amaranth `SyncFIFOBuffered` without the output
 * register): first-word fall-through, storage in registers, `push` stream in, `pop` stream
 * out. push_ready = not full and pop_valid = not empty, both from registered state only, so
 * a FIFO also cuts the combinational valid/ready path between two blocks.
 */
import { HdlError } from '../errors.ts';
import { Module } from '../module.ts';
import type { Stream } from '../stream.ts';

const cache = new Map<string, Module>();

/** The FIFO module for `depth` (a power of two >= 2) words of `width` bits; one Module per shape. */
export function streamFifo(depth: number, width: number): Module {
  const ptrBits = Math.log2(depth);
  if (!Number.isInteger(ptrBits) || ptrBits < 1) throw new HdlError(`stream FIFO depth must be a power of two >= 2, got ${depth}`);
  const name = `stream_fifo_d${depth}_w${width}`;
  const cached = cache.get(name);
  if (cached) return cached;
  const m = new Module(name, { description: 'stream FIFO, first-word fall-through', params: { depth, width } });
  const push = m.streamIn('push', width);
  const pop = m.streamOut('pop', width);
  const cells = Array.from({ length: depth }, (_, i) => m.reg(`cell${i}`, width, { reset: null }));
  const wptr = m.reg('wptr', ptrBits);
  const rptr = m.reg('rptr', ptrBits);
  const count = m.reg('count', ptrBits + 1);
  push.ready.set(count.ne(depth));
  pop.valid.set(count.ne(0));
  m.Switch(rptr, (sw) => cells.forEach((c, i) => sw.Case(i, () => pop.payload.set(c))));
  const pushFire = m.let('push_fire', push.fire);
  const popFire = m.let('pop_fire', pop.fire);
  m.If(pushFire, () => {
    m.Switch(wptr, (sw) => cells.forEach((c, i) => sw.Case(i, () => c.set(push.payload))));
    wptr.set(wptr.add(1).trunc(ptrBits));
  });
  m.If(popFire, () => rptr.set(rptr.add(1).trunc(ptrBits)));
  m.If(pushFire.and(popFire.not()), () => count.set(count.add(1).trunc(ptrBits + 1)))
    .Elif(popFire.and(pushFire.not()), () => count.set(count.sub(1).trunc(ptrBits + 1)));
  cache.set(name, m);
  return m;
}

/**
 * `source.queue(depth)`: puts a FIFO instance called `name` after `source` inside `m` and
 * returns the FIFO's output stream (to connect onwards with `m.connect`).
 */
export function queue(m: Module, name: string, source: Stream, depth: number): Stream {
  const inst = m.instance(name, streamFifo(depth, source.width));
  m.connect(source, inst.stream('push'));
  return inst.stream('pop');
}

import type { Expr } from './expr.ts';
import type { Signal } from './signal.ts';

/**
 * A valid/ready stream (Amaranth `stream.Signature`, SpinalHDL `Stream`): a word moves when
 * `valid` and `ready` are both high at a rising clock edge (`fire`). The producer must hold
 * payload and valid until the word fires; the consumer may raise ready whenever it likes.
 * Ports are named `<name>_payload`, `<name>_valid`, `<name>_ready`.
 */
export class Stream {
  constructor(
    readonly name: string,
    readonly payload: Signal,
    readonly valid: Signal,
    readonly ready: Signal,
  ) {}

  get width(): number {
    return this.payload.width;
  }

  /** valid & ready: a word is transferred at this clock edge. */
  get fire(): Expr {
    return this.valid.and(this.ready);
  }
}

/** Direction of a stream seen from the module that declares it. */
export type StreamDirection = 'in' | 'out';

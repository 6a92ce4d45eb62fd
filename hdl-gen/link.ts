/**
 * The stream between two engines. Normally a beat is one whole position (C bits, all channels).
 * On iCE40, where a fold-serial pool (blocks/fold-pool.ts) feeds a RAM line buffer
 * (blocks/ramwindow.ts) that writes a position as W = C / SIMD sub-blocks of SIMD bits, the
 * beat is one sub-block instead ("narrow link"): the pool sends each SIMD-bit chunk of the
 * pooled word as soon as its folds are pooled (`chunkBits`), and the line buffer writes each
 * beat as it comes (`subBlockInput`). The pool builds the pooled word PE bits per fold anyway,
 * so the position is never assembled, and the line buffer needs no W:1 write-data choice.
 * Measured (bitbeat synth, yosys 0.23, seed 1; aami5 1-ms UP5K design, conv5 (PE 2, 32 folds)
 * into conv6's SIMD 8 RAM window, W = 8): see the commit and docs/ARCHITECTURE.md.
 * Conditions: the chunk (SIMD bits) holds at least two folds' bits (a chunk every fold would
 * need the consumer's ready in the pool's refusal, a long path), a whole number of them,
 * and at least MIN_CHUNK_BITS bits. Only on iCE40 (ECP5 designs stay byte-identical).
 */
import type { QModel } from '../src/model/qmodel.ts';
import type { LayerShape } from '../src/model/shapes.ts';
import type { Family } from '../src/design/targets.ts';
import type { LayerFold } from './folding.ts';

/**
 * Narrower chunks slow the producer: btpn-aami5's UP5K default design, whose conv2 and conv3
 * pools (PE 1) would send 4-bit chunks, measured 102,579 cycles per window in cosim (synthetic
 * windows) against 100,217 with those two links whole; with 8 bits and more (the aami5 1 ms
 * design's conv5 into conv6) the cycles are unchanged.
 */
const MIN_CHUNK_BITS = 8;

/** Bits per beat of the stream from layer `i` into layer `i + 1` when it is narrow, else null. */
export function narrowLinkBits(model: QModel, shapes: LayerShape[], folds: Pick<LayerFold, 'pe' | 'simd' | 'window'>[], i: number, family: Family): number | null {
  if (family !== 'ice40' || i + 1 >= shapes.length) return null;
  const layer = model.layers[i]!;
  const producer = shapes[i]!;
  const consumer = shapes[i + 1]!;
  const pf = folds[i]!;
  const cf = folds[i + 1]!;
  // a fold-serial bit pool: several folds and a pool (engine.ts's foldSerial), bits out
  const pool = layer.kind === 'conv' ? layer.pool : null;
  if (layer.out.kind !== 'binary' || !pool || (pool.size === 1 && pool.stride === 1)) return null;
  if (producer.outChannels / pf.pe < 2) return null;
  // a RAM line buffer of binary taps with several sub-blocks per position
  if (cf.window !== 'ram' || consumer.inputKind !== 'binary' || consumer.inChannels % cf.simd !== 0) return null;
  if (consumer.inChannels / cf.simd < 2) return null;
  // a chunk is a whole number of folds' bits (one pooled bit per lane), at least two folds
  if (cf.simd % pf.pe !== 0 || cf.simd / pf.pe < 2 || cf.simd < MIN_CHUNK_BITS) return null;
  return cf.simd;
}

/** Per layer: the width of its output beats when its link is narrow (`out`), whether its input is (`subBlockIn`). */
export function narrowLinks(model: QModel, shapes: LayerShape[], folds: Pick<LayerFold, 'pe' | 'simd' | 'window'>[], family: Family): { out?: number; subBlockIn?: boolean }[] {
  const bits = shapes.map((_, i) => narrowLinkBits(model, shapes, folds, i, family));
  return shapes.map((_, i) => ({
    ...(bits[i] !== null ? { out: bits[i]! } : {}),
    ...(i > 0 && bits[i - 1] !== null ? { subBlockIn: true } : {}),
  }));
}

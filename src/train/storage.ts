/**
 * Model storage as the papers count it: weight bits plus per-channel parameters. Our
 * per-channel parameters are the folded functions themselves, at the width the hardware needs:
 * a threshold is one signed integer wide enough for the channel's reachable pre-activations plus
 * a direction bit; an interval two such integers plus a bit; a constant one bit; a table one bit
 * per entry; a logit channel its pos, neg and bias integers.
 */
import type { BitFunction, QModel } from '../model/qmodel.ts';
import { layerShapes } from '../model/shapes.ts';
import { signedWidth } from './fold.ts';

function fnBits(fn: BitFunction, lo: number, hi: number): number {
  const w = signedWidth(lo, hi);
  switch (fn.kind) {
    case 'const':
      return 1;
    case 'ge':
    case 'le':
      return w + 1;
    case 'in':
    case 'out':
      return 2 * w + 1;
    case 'table':
      return fn.size;
  }
}

export interface Storage {
  weightBits: number;
  paramBits: number;
  bytes: number;
}

export function modelStorage(model: QModel): Storage {
  const shapes = layerShapes(model);
  let weightBits = 0;
  let paramBits = 0;
  model.layers.forEach((layer, i) => {
    const sh = shapes[i]!;
    weightBits += sh.taps * sh.outChannels;
    if (layer.out.kind === 'binary') {
      layer.out.fns.forEach((fn, c) => {
        const set = sh.channelPreact[c]!;
        paramBits += fnBits(fn, set.lo, set.hi);
      });
    } else {
      for (const fn of layer.out.fns) paramBits += signedWidth(Math.min(fn.pos, fn.neg, fn.bias, 0), Math.max(fn.pos, fn.neg, fn.bias, 0)) * (fn.pos === fn.neg ? 2 : 3);
    }
  });
  return { weightBits, paramBits, bytes: Math.ceil((weightBits + paramBits) / 8) };
}

/** Kilobytes as the papers print them (1 KB = 1024 bytes). */
export function storageKB(s: Storage): number {
  return s.bytes / 1024;
}

/** A small hand-written valid model that the bad-model tests mutate one field at a time. */
import type { QModel } from '../../src/model/qmodel.ts';

export function smallModel(): QModel {
  return {
    format: 'bitbeat-qmodel',
    schemaVersion: 1,
    name: 'small',
    task: 'synthetic',
    classes: ['N', 'V'],
    input: { length: 16, sampleBits: 12, sampleRate: 360 },
    normalizer: { kind: 'offset', offset: 1024, shift: 4, outBits: 6 },
    layers: [
      {
        kind: 'conv',
        name: 'c1',
        inputKind: 'int',
        inChannels: 1,
        outChannels: 2,
        kernel: 3,
        stride: 1,
        pad: { left: 1, right: 1, value: 0 },
        weights: ['5', '3'],
        pool: { kind: 'max', size: 2, stride: 2 },
        out: { kind: 'binary', fns: [{ kind: 'ge', t: 0 }, { kind: 'in', lo: -10, hi: 10 }] },
      },
      {
        kind: 'conv',
        name: 'c2',
        inputKind: 'binary',
        inChannels: 2,
        outChannels: 3,
        kernel: 3,
        stride: 2,
        pad: { left: 1, right: 0, value: 0 },
        weights: ['2a', '15', '3f'],
        pool: null,
        out: {
          kind: 'binary',
          fns: [
            { kind: 'le', t: 1 },
            { kind: 'table', min: -6, size: 13, bits: '0aaa' },
            { kind: 'out', lo: -1, hi: 2 },
          ],
        },
      },
      {
        kind: 'dense',
        name: 'd',
        inputKind: 'binary',
        inFeatures: 12,
        outFeatures: 2,
        weights: ['abc', '123'],
        out: { kind: 'logits', reduce: 'none', fracBits: 0, fns: [{ pos: 1, neg: 1, bias: 0 }, { pos: 2, neg: 1, bias: -1 }] },
      },
    ],
  };
}

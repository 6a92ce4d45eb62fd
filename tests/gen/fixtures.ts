/**
 * Models for the generator's tests: a BTPN-shaped model (seed 002's seven conv blocks on a
 * 3600-sample window, dense head) with deterministic pseudo-random weights, and small
 * hand-shaped ones. Weights and thresholds are arbitrary but valid; only the shapes matter for
 * the analytical model, and the RTL tests compare against the reference whatever the values.
 */
import { makeRng } from '../../src/data/rng.ts';
import { DEFAULT_ZSCORE } from '../../src/model/normalizer.ts';
import { bitsToHex, QMODEL_FORMAT, QMODEL_SCHEMA_VERSION, type Layer, type QModel } from '../../src/model/qmodel.ts';
import { parseModel } from '../../src/model/validate.ts';

function randomHex(rng: () => number, n: number): string {
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = rng() < 0.5 ? 1 : 0;
  return bitsToHex(bits);
}

/** Seed 002 (BTPN) shapes: (filters, kernel, stride, padding, pool, pool stride) per block. */
export const BTPN_ROWS: [number, number, number, number, number, number][] = [
  [8, 16, 2, 7, 8, 4], [12, 12, 2, 5, 4, 2], [32, 9, 1, 4, 5, 2], [64, 7, 1, 3, 4, 2],
  [64, 5, 1, 2, 2, 2], [64, 3, 1, 1, 2, 2], [72, 3, 1, 1, 2, 2],
];

export function btpnShapedModel(classes = 5, length = 3600, seed = 2): QModel {
  const rng = makeRng(seed);
  const layers: Layer[] = [];
  let inLength = length;
  let inChannels = 1;
  BTPN_ROWS.forEach(([filters, kernel, stride, pad, ps, pst], i) => {
    layers.push({
      kind: 'conv',
      name: `conv${i}`,
      inputKind: i === 0 ? 'int' : 'binary',
      inChannels,
      outChannels: filters,
      kernel,
      stride,
      pad: { left: pad, right: pad, value: 0 },
      weights: Array.from({ length: filters }, () => randomHex(rng, kernel * inChannels)),
      pool: { kind: 'max', size: ps, stride: pst },
      out: { kind: 'binary', fns: Array.from({ length: filters }, (_, c) => (c % 3 === 2 ? { kind: 'le' as const, t: 0 } : { kind: 'ge' as const, t: c % 2 })) },
    });
    const conv = Math.floor((inLength + 2 * pad - kernel) / stride) + 1;
    inLength = Math.floor((conv - ps) / pst) + 1;
    inChannels = filters;
  });
  const inFeatures = inLength * inChannels;
  layers.push({
    kind: 'dense',
    name: 'dense',
    inputKind: 'binary',
    inFeatures,
    outFeatures: classes,
    weights: Array.from({ length: classes }, () => randomHex(rng, inFeatures)),
    out: { kind: 'logits', reduce: 'none', fracBits: 0, fns: Array.from({ length: classes }, (_, c) => ({ pos: 1, neg: 1, bias: c })) },
  });
  return parseModel(
    {
      format: QMODEL_FORMAT,
      schemaVersion: QMODEL_SCHEMA_VERSION,
      name: 'btpn-shaped',
      task: 'synthetic',
      classes: Array.from({ length: classes }, (_, c) => `c${c}`),
      input: { length, sampleBits: 12, sampleRate: 360 },
      normalizer: DEFAULT_ZSCORE,
      layers,
    },
    'btpnShapedModel',
  );
}

/**
 * A small hand-shaped model: offset normalizer, 16 samples; conv0 (int, k3 s1 pad 1/1,
 * 4 channels, pool 2/2 -> 4x8), conv1 (binary, k3 s1 pad 1/1 value 0, 6 channels, no pool),
 * dense 48 -> 3 logits.
 */
export function smallModel(seed = 7): QModel {
  const rng = makeRng(seed);
  return parseModel(
    {
      format: QMODEL_FORMAT,
      schemaVersion: QMODEL_SCHEMA_VERSION,
      name: 'small',
      task: 'synthetic',
      classes: ['a', 'b', 'c'],
      input: { length: 16, sampleBits: 12, sampleRate: 360 },
      normalizer: { kind: 'offset', offset: 1024, shift: 4, outBits: 6 },
      layers: [
        {
          kind: 'conv', name: 'conv0', inputKind: 'int', inChannels: 1, outChannels: 4, kernel: 3, stride: 1,
          pad: { left: 1, right: 1, value: 0 }, weights: Array.from({ length: 4 }, () => randomHex(rng, 3)),
          pool: { kind: 'max', size: 2, stride: 2 },
          out: { kind: 'binary', fns: [{ kind: 'ge', t: 0 }, { kind: 'le', t: 3 }, { kind: 'ge', t: -5 }, { kind: 'const', v: 1 }] },
        },
        {
          kind: 'conv', name: 'conv1', inputKind: 'binary', inChannels: 4, outChannels: 6, kernel: 3, stride: 1,
          pad: { left: 1, right: 1, value: 0 }, weights: Array.from({ length: 6 }, () => randomHex(rng, 12)),
          pool: null,
          out: { kind: 'binary', fns: Array.from({ length: 6 }, (_, c) => ({ kind: 'in' as const, lo: -2 - c, hi: 4 })) },
        },
        {
          kind: 'dense', name: 'dense', inputKind: 'binary', inFeatures: 48, outFeatures: 3,
          weights: Array.from({ length: 3 }, () => randomHex(rng, 48)),
          out: { kind: 'logits', reduce: 'none', fracBits: 1, fns: [{ pos: 2, neg: 1, bias: 0 }, { pos: 1, neg: 3, bias: -1 }, { pos: 2, neg: 2, bias: 1 }] },
        },
      ],
    },
    'smallModel',
  );
}

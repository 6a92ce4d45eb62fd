import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { divisors, fullyFolded, fullyParallel, parseFolding, validateFolding } from '../../hdl-gen/folding.ts';
import { btpnShapedModel, smallModel } from './fixtures.ts';

describe('divisors', () => {
  it('lists every divisor ascending', () => {
    expect(divisors(1)).toEqual([1]);
    expect(divisors(12)).toEqual([1, 2, 3, 4, 6, 12]);
    expect(divisors(49)).toEqual([1, 7, 49]);
    expect(divisors(13)).toEqual([1, 13]);
  });
});

describe('validateFolding', () => {
  const model = smallModel();
  const ok = { layers: [{ layer: 'dense', pe: 3, simd: 16 }, { layer: 'conv0', pe: 2, simd: 3 }, { layer: 'conv1', pe: 6, simd: 4 }] };

  it('returns the layers in model order', () => {
    const f = validateFolding(model, ok);
    expect(f.layers.map((l) => l.layer)).toEqual(['conv0', 'conv1', 'dense']);
    expect(f.layers[1]).toEqual({ layer: 'conv1', pe: 6, simd: 4 });
  });

  it('rejects a PE that does not divide the output channels, naming the layer and the choices', () => {
    const bad = { layers: ok.layers.map((l) => (l.layer === 'conv1' ? { ...l, pe: 4 } : l)) };
    expect(() => validateFolding(model, bad, 'f.json')).toThrow(UserError);
    expect(() => validateFolding(model, bad, 'f.json')).toThrow(
      "f.json: layer 1 'conv1': PE 4 does not divide its 6 output channels; choose one of 1, 2, 3, 6",
    );
  });

  it('rejects a SIMD that does not divide the taps (conv: kernel x inChannels; dense: inFeatures)', () => {
    const badConv = { layers: ok.layers.map((l) => (l.layer === 'conv1' ? { ...l, simd: 5 } : l)) };
    expect(() => validateFolding(model, badConv)).toThrow("layer 1 'conv1': SIMD 5 does not divide its 12 taps (kernel x inChannels); choose one of 1, 2, 3, 4, 6, 12");
    const badDense = { layers: ok.layers.map((l) => (l.layer === 'dense' ? { ...l, simd: 7 } : l)) };
    expect(() => validateFolding(model, badDense)).toThrow("layer 2 'dense': SIMD 7 does not divide its 48 input features; choose one of 1, 2, 3, 4, 6, 8, 12, 16, 24, 48");
  });

  it('rejects missing, unknown and duplicate layers', () => {
    expect(() => validateFolding(model, { layers: ok.layers.slice(1) })).toThrow("layer 2 'dense' has no folding entry");
    expect(() => validateFolding(model, { layers: [...ok.layers, { layer: 'conv9', pe: 1, simd: 1 }] })).toThrow("has no layer 'conv9'; its layers are conv0, conv1, dense");
    expect(() => validateFolding(model, { layers: [...ok.layers, { layer: 'conv0', pe: 1, simd: 1 }] })).toThrow("layer 'conv0' is listed twice");
  });

  it('accepts pipelining of the popcount trees and of layer 1 add/subtract tree', () => {
    expect(validateFolding(model, { layers: ok.layers.map((l) => (l.layer === 'conv1' ? { ...l, pipeline: 2 } : l)) }).layers[1]!.pipeline).toBe(2);
    expect(validateFolding(model, { layers: ok.layers.map((l) => (l.layer === 'conv0' ? { ...l, pipeline: 1 } : l)) }).layers[0]!.pipeline).toBe(1);
  });

  it('rejects two normalizer buffers without a z-score normalizer', () => {
    expect(() => validateFolding(model, { ...ok, normalizerBuffers: 2 })).toThrow('normalizerBuffers 2 needs a z-score normalizer');
  });

  it('fully folded and fully parallel foldings are valid for a BTPN-shaped model', () => {
    const btpn = btpnShapedModel();
    expect(validateFolding(btpn, fullyFolded(btpn)).layers.every((l) => l.pe === 1 && l.simd === 1)).toBe(true);
    const par = validateFolding(btpn, fullyParallel(btpn));
    expect(par.layers[0]).toEqual({ layer: 'conv0', pe: 8, simd: 16 });
    expect(par.layers[7]).toEqual({ layer: 'dense', pe: 5, simd: 216 });
  });
});

describe('parseFolding', () => {
  it('accepts the documented format and rejects other shapes with the field named', () => {
    expect(parseFolding({ layers: [{ layer: 'a', pe: 1, simd: 2, weights: 'bram' }], normalizerBuffers: 1 }, 'x').layers[0]!.weights).toBe('bram');
    expect(() => parseFolding({ layers: [{ layer: 'a', pe: 0, simd: 1 }] }, 'x.json')).toThrow(/x\.json: field layers\[0\]\.pe/);
    expect(() => parseFolding({ layers: [{ layer: 'a', pe: 1, simd: 1, speed: 9 }] }, 'x.json')).toThrow(UserError);
    expect(() => parseFolding([], 'x.json')).toThrow(UserError);
  });
});

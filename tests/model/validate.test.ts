import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/cli/errors.ts';
import { parseModel } from '../../src/model/validate.ts';
import { loadModel } from '../../src/model/load.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { smallModel } from './fixtures.ts';

/** Applies `mutate` to a fresh copy of the small model and returns the rejection message. */
function rejection(mutate: (m: any) => void): string {
  const m = smallModel() as any;
  mutate(m);
  try {
    parseModel(m, 'm.json');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg.startsWith('m.json: ')).toBe(true);
    return msg;
  }
  throw new Error('model was accepted');
}

describe('parseModel', () => {
  it('accepts the valid small model unchanged', () => {
    const m = smallModel();
    expect(parseModel(structuredClone(m), 'm.json')).toEqual(m);
  });

  const cases: [string, (m: any) => void, RegExp][] = [
    ['not an object', (m) => { m.layers = 5; }, /field layers: /],
    ['wrong format', (m) => { m.format = 'onnx'; }, /field format is "onnx"/],
    ['schema version from the future', (m) => { m.schemaVersion = 2; }, /field schemaVersion is 2, newer than .*supports \(1\)/],
    ['unknown layer kind', (m) => { m.layers[1].kind = 'lstm'; }, /layer 1 'c2' field kind: unknown layer kind "lstm"/],
    ['unknown output kind', (m) => { m.layers[1].out.kind = 'ternary'; }, /layer 1 'c2' field out.kind: unknown output kind/],
    ['unknown bit function', (m) => { m.layers[1].out.fns[2].kind = 'between'; }, /layer 1 'c2' field out.fns\[2\].kind: unknown bit function/],
    ['structural: upper-case hex', (m) => { m.layers[1].weights[0] = '2A'; }, /layer 1 'c2' field weights\[0\]: lower-case hexadecimal/],
    ['structural: missing stride', (m) => { delete m.layers[0].stride; }, /layer 0 'c1' field stride: /],
    ['structural: negative pad', (m) => { m.layers[0].pad.left = -1; }, /layer 0 'c1' field pad.left: /],
    ['hex too short for kernel*inChannels', (m) => { m.layers[1].weights[2] = 'f'; }, /layer 1 'c2' field weights\[2\]: has 1 hex digits, expected 2 for 6 bits/],
    ['bit set beyond the width', (m) => { m.layers[1].weights[2] = '7f'; }, /layer 1 'c2' field weights\[2\]: has bit 6 set beyond its width of 6 bits/],
    ['dense hex length vs inFeatures', (m) => { m.layers[2].weights[1] = '0123'; }, /layer 2 'd' field weights\[1\]: has 4 hex digits, expected 3 for 12 bits/],
    ['weights count vs outChannels', (m) => { m.layers[1].weights.pop(); }, /layer 1 'c2' field weights: has 2 vectors, expected outChannels = 3/],
    ['fns length vs outChannels', (m) => { m.layers[1].out.fns.pop(); }, /layer 1 'c2' field out.fns: has 2 functions, expected outChannels = 3/],
    ['channel mismatch between layers', (m) => { m.layers[1].inChannels = 3; m.layers[1].weights = ['1ff', '1ff', '1ff']; }, /layer 1 'c2' field inChannels: is 3, but layer 0 outputs 2 channels/],
    ['first layer with two input channels', (m) => { m.layers[0].inChannels = 2; m.layers[0].weights = ['05', '03']; }, /layer 0 'c1' field inChannels: is 2, but the input has 1 channel/],
    ['kernel longer than the padded input', (m) => { m.layers[1].kernel = 10; m.layers[1].weights = ['00000', '00000', '00000']; }, /layer 1 'c2' field kernel: 10 is longer than the padded input \(8 \+ 1 \+ 0 = 9\)/],
    ['zero-length output after pooling', (m) => { m.layers[1].pool = { kind: 'max', size: 5, stride: 1 }; }, /layer 1 'c2' field pool.size: 5 is longer than the conv output \(4 positions\)/],
    ['first layer not int', (m) => { m.layers[0].inputKind = 'binary'; }, /layer 0 'c1' field inputKind: .*must be 'int'/],
    ['later layer not binary', (m) => { m.layers[1].inputKind = 'int'; }, /layer 1 'c2' field inputKind: .*must be 'binary'/],
    ['first layer dense', (m) => { m.layers.shift(); }, /layer 0 'c2' field .*/],
    ['last layer not logits', (m) => { m.layers.pop(); }, /layer 1 'c2' field out.kind: the last layer must output logits/],
    ['logits layer not last', (m) => { m.layers[1].out = { kind: 'logits', reduce: 'sum', fracBits: 0, fns: [{ pos: 1, neg: 1, bias: 0 }, { pos: 1, neg: 1, bias: 0 }, { pos: 1, neg: 1, bias: 0 }] }; }, /layer 1 'c2' field out.kind: logits must be the last layer's output, but 1 layer\(s\) follow/],
    ['logits count vs classes', (m) => { m.classes = ['N', 'V', 'F']; }, /layer 2 'd' field outFeatures: is 2, but the model has 3 classes/],
    ['reduce none with many positions', (m) => { m.layers.pop(); m.layers[1].out = { kind: 'logits', reduce: 'none', fracBits: 0, fns: [0, 1].map(() => ({ pos: 1, neg: 1, bias: 0 })) }; m.layers[1].outChannels = 2; m.layers[1].weights.pop(); }, /layer 1 'c2' field out.reduce: 'none' needs a single output position, the layer has 4/],
    ['dense inFeatures vs L*C', (m) => { m.layers[2].inFeatures = 16; m.layers[2].weights = ['abcd', '1234']; }, /layer 2 'd' field inFeatures: is 16, but layer 1 outputs 4 positions x 3 channels = 12/],
    ['table not covering the reachable range', (m) => { m.layers[1].out.fns[1] = { kind: 'table', min: -5, size: 12, bits: '000' }; }, /layer 1 'c2' field out.fns\[1\]: table covers \[-5, 6\] but the reachable pre-activation range is \[-6, 6\]/],
    ['table bits wider than size', (m) => { m.layers[1].out.fns[1] = { kind: 'table', min: -6, size: 13, bits: '2000' }; }, /layer 1 'c2' field out.fns\[1\]: table bits has bit 13 set beyond its width/],
    ['interval with lo > hi (in)', (m) => { m.layers[0].out.fns[1] = { kind: 'in', lo: 3, hi: 2 }; }, /layer 0 'c1' field out.fns\[1\]: interval lo 3 > hi 2/],
    ['interval with lo > hi (out)', (m) => { m.layers[1].out.fns[2] = { kind: 'out', lo: 3, hi: -3 }; }, /layer 1 'c2' field out.fns\[2\]: interval lo 3 > hi -3/],
    ['binary pad value 2', (m) => { m.layers[1].pad.value = 2; }, /layer 1 'c2' field pad.value: is 2; a binary input is padded with 0 \(nothing\), 1 or -1/],
    ['int pad value outside the z range', (m) => { m.layers[0].pad.value = 32; }, /layer 0 'c1' field pad.value: is 32 z units, outside the normalizer's output range \[-32, 31\]/],
    ['duplicate layer names', (m) => { m.layers[2].name = 'c1'; }, /layer 2 'c1' field name: same name as layer 0/],
    ['zscore recipBits < fracBits', (m) => { m.normalizer = { kind: 'zscore', recipBits: 4, recipWidth: 16, fracBits: 5, outBits: 8 }; }, /field normalizer.recipBits: 4 < fracBits 5/],
  ];
  for (const [what, mutate, re] of cases) {
    it(`rejects: ${what}`, () => {
      expect(rejection(mutate)).toMatch(re);
    });
  }

  it('accepts an int pad value on layer 1 that would be invalid on a binary layer', () => {
    const m = smallModel();
    (m.layers[0] as any).pad.value = -7;
    expect(() => parseModel(m, 'm.json')).not.toThrow();
  });
});

describe('loadModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bitbeat-load-'));
  it('loads a valid file', () => {
    const p = join(dir, 'ok.json');
    writeFileSync(p, JSON.stringify(smallModel()));
    const m: QModel = loadModel(p);
    expect(m.name).toBe('small');
  });
  it('names the file on invalid JSON and on a missing file', () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{"format": ');
    expect(() => loadModel(p)).toThrow(/bad.json: not valid JSON/);
    expect(() => loadModel(join(dir, 'nope.json'))).toThrow(/nope.json: model file not found/);
  });
});

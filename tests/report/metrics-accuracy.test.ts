import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsFileAccuracy, modelMetrics } from '../../src/report/index.ts';
import { UserError } from '../../src/cli/errors.ts';

describe('accuracy from the training metrics file beside a model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bb-metrics-'));

  it('reads the integer test accuracy and names the file and split', () => {
    writeFileSync(join(dir, 'm.metrics.json'), JSON.stringify({ split: 'stratified', accuracy: { floatPercent: 93.5, integerPercent: 93.4302 } }));
    const acc = metricsFileAccuracy(join(dir, 'm.json'));
    expect(acc).toEqual({ value: 0.934302, source: 'm.metrics.json (integer reference, stratified test split)' });
    const metrics = modelMetrics(undefined, undefined, 'm', acc);
    expect(metrics.accuracy).toBe(0.934302);
    expect(metrics.accuracySource).toBe('m.metrics.json (integer reference, stratified test split)');
  });

  it('a cosimulation on labelled windows takes precedence', () => {
    const metrics = modelMetrics(undefined, { windows: 10, mismatches: 0, cyclesPerWindow: 5, latencyCycles: 5, accuracy: 0.5 } as never, 'm', { value: 0.9, source: 'x' });
    expect(metrics.accuracy).toBe(0.5);
  });

  it('is null without a metrics file, and a broken one is a clear error', () => {
    expect(metricsFileAccuracy(join(dir, 'absent.json'))).toBeNull();
    writeFileSync(join(dir, 'bad.metrics.json'), '{ not json');
    expect(() => metricsFileAccuracy(join(dir, 'bad.json'))).toThrow(UserError);
    expect(() => metricsFileAccuracy(join(dir, 'bad.json'))).toThrow(/bad\.metrics\.json is not valid JSON/);
  });
});

import { describe, expect, it } from 'vitest';
import { computeMetrics, confusionSvg, formatMetrics } from '../../src/train/metrics.ts';

describe('computeMetrics', () => {
  it('computes accuracy, sensitivity, PPV and F1 from the confusion matrix', () => {
    const truth = [0, 0, 0, 1, 1, 2];
    const pred = [0, 0, 1, 1, 0, 2];
    const m = computeMetrics(truth, pred, ['a', 'b', 'c']);
    expect(m.confusion).toEqual([[2, 1, 0], [1, 1, 0], [0, 0, 1]]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClass[0]!.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[0]!.ppv).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[1]!.sensitivity).toBeCloseTo(1 / 2, 12);
    expect(m.perClass[1]!.ppv).toBeCloseTo(1 / 2, 12);
    expect(m.perClass[2]!.f1).toBe(1);
    expect(formatMetrics(m)).toContain('accuracy 66.67 %');
    const svg = confusionSvg(m, 'test');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect /g)!.length).toBe(9);
  });

  it('reports n/a for a class that never occurs', () => {
    const m = computeMetrics([0, 0], [0, 0], ['a', 'b']);
    expect(m.perClass[1]!.sensitivity).toBeNull();
    expect(m.perClass[1]!.ppv).toBeNull();
    expect(formatMetrics(m)).toContain('n/a');
  });
});

import { describe, expect, it } from 'vitest';
import { AAMI_BEAT_CLASS, aamiClassIndex, aamiWindowLabel } from '../../src/data/aami.ts';

const N = 0, S = 1, V = 2, F = 3, Q = 4;

describe('AAMI classes and the window label rule', () => {
  it('maps the MIT-BIH beat symbols to AAMI classes and ignores non-beats', () => {
    expect(['N', 'L', 'R', 'e', 'j'].map(aamiClassIndex)).toEqual([N, N, N, N, N]);
    expect(['A', 'a', 'J', 'S'].map(aamiClassIndex)).toEqual([S, S, S, S]);
    expect(['V', 'E'].map(aamiClassIndex)).toEqual([V, V]);
    expect(aamiClassIndex('F')).toBe(F);
    expect(['/', 'f', 'Q'].map(aamiClassIndex)).toEqual([Q, Q, Q]);
    for (const nonBeat of ['!', '+', '~', '|', 'x', '"', '[', ']']) expect(aamiClassIndex(nonBeat)).toBe(-1);
    expect(Object.keys(AAMI_BEAT_CLASS)).not.toContain('!');
  });

  it('labels a window by its most frequent non-N class', () => {
    expect(aamiWindowLabel([N, N, N, N])).toBe(N);
    expect(aamiWindowLabel([])).toBe(N);
    expect(aamiWindowLabel([N, V, N, S, V, N])).toBe(V);
    expect(aamiWindowLabel([N, F, N, N, N])).toBe(F);
  });

  it('breaks a tie in favour of the class whose first beat comes earliest', () => {
    expect(aamiWindowLabel([N, S, V, V, S])).toBe(S);
    expect(aamiWindowLabel([N, V, S, S, V])).toBe(V);
    expect(aamiWindowLabel([Q, F])).toBe(Q);
  });
});

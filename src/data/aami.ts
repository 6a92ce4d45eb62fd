/**
 * AAMI EC57 beat classes and the window-label rule of the aami5 task.
 */

export const AAMI5_CLASSES = ['N', 'S', 'V', 'F', 'Q'] as const;
export type AamiClass = (typeof AAMI5_CLASSES)[number];

/**
 * Annotation symbols that are beats, grouped by AAMI class. These 15 symbols (plus 'B', 'n',
 * 'r', '?' which MIT-BIH does not use) are the beat codes of WFDB's isqrs() minus '!': the
 * ventricular flutter waves of record 207 are not beats. On MIT-BIH they total 109,494.
 */
export const AAMI_BEAT_CLASS: Readonly<Record<string, AamiClass>> = {
  N: 'N', L: 'N', R: 'N', e: 'N', j: 'N', B: 'N',
  A: 'S', a: 'S', J: 'S', S: 'S', n: 'S',
  V: 'V', E: 'V', r: 'V',
  F: 'F',
  '/': 'Q', f: 'Q', Q: 'Q', '?': 'Q',
};

/** AAMI class index of a beat symbol, or -1 when the symbol is not a beat. */
export function aamiClassIndex(symbol: string): number {
  const c = AAMI_BEAT_CLASS[symbol];
  return c === undefined ? -1 : AAMI5_CLASSES.indexOf(c);
}

/** Paced records of MIT-BIH; AAMI EC57 recommends excluding them. */
export const PACED_RECORDS = ['102', '104', '107', '217'] as const;

export const AAMI5_LABEL_RULE =
  'most-frequent-non-N: among the beat annotations (AAMI_BEAT_CLASS) whose sample index lies in ' +
  'the window, the label is the non-N AAMI class with the most beats; a tie goes to the tied ' +
  'class whose first beat comes earliest in the window; N when every beat is N or the window ' +
  'has no beat (11 windows of record 207, in ventricular flutter). Paced records 102, 104, 107, ' +
  '217 excluded. Non-overlapping 3600-sample windows from sample 0; the last partial window ' +
  '(2000 samples) of each record is dropped.';

/**
 * Window label from the AAMI class indices of its beats in time order (see AAMI5_LABEL_RULE).
 * Returns 0 (N) when no beat is non-N.
 */
export function aamiWindowLabel(beatClassesInTimeOrder: ArrayLike<number>): number {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < beatClassesInTimeOrder.length; i++) counts[beatClassesInTimeOrder[i]!]! += 1;
  let best = 0;
  let bestCount = 0;
  // Visiting beats in time order with a strict '>' makes the earliest class win a tie.
  for (let i = 0; i < beatClassesInTimeOrder.length; i++) {
    const c = beatClassesInTimeOrder[i]!;
    if (c !== 0 && counts[c]! > bestCount) {
      best = c;
      bestCount = counts[c]!;
    }
  }
  return best;
}

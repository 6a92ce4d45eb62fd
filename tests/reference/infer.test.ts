import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRng } from '../../src/data/rng.ts';
import { writeWfdbRecord } from '../../src/data/wfdb/writer.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { parseModel } from '../../src/model/validate.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { inferRecord } from '../../src/cli/commands/infer.ts';
import { buildProgram } from '../../src/cli/main.ts';

/** A synthetic two-lead record (MLII second, to check the lead is chosen by name) with N and V beats. */
function setup() {
  const rng = makeRng(21);
  const base = randomModel(rng, { classes: [5, 5], inputLength: [100, 100] });
  const model = parseModel({ ...base, task: 'aami5', classes: ['N', 'S', 'V', 'F', 'Q'] }, 'aami-random');
  const windows = randomWindows(rng, model, 7);
  const signal = new Int16Array(7 * 100 + 37); // a partial tail window is dropped
  windows.forEach((w, i) => signal.set(w, i * 100));
  const other = new Int16Array(signal.length).fill(1024);
  // beats: window 2 holds a V, every window some N
  const anns = [10, 110, 205, 250, 310, 410, 510, 610].map((sample) => ({ sample, code: sample === 250 ? 5 : 1, symbol: sample === 250 ? 'V' : 'N', subtype: 0, chan: 0, num: 0, aux: '' }));
  const data = mkdtempSync(join(tmpdir(), 'bitbeat-infer-'));
  mkdirSync(join(data, 'mitdb'));
  writeWfdbRecord(join(data, 'mitdb'), '900', [other, signal], { descriptions: ['V1', 'MLII'], annotations: anns });
  const modelPath = join(data, 'model.json');
  writeFileSync(modelPath, JSON.stringify(model));
  return { model, windows, signal, anns, data, modelPath };
}

describe('bitbeat infer', () => {
  it('classifies consecutive windows with the reference and labels them from the annotations', () => {
    const { model, windows, signal, anns } = setup();
    const ref = compileReference(model);
    const rows = inferRecord(model, signal, anns);
    expect(rows).toHaveLength(7);
    expect(rows.map((r) => r.predicted)).toEqual(windows.map((w) => model.classes[ref.classify(w)]));
    expect(rows.map((r) => r.startSample)).toEqual([0, 100, 200, 300, 400, 500, 600]);
    expect(rows[2]!.annotated).toBe('V');
    expect(rows[3]!.annotated).toBe('N');
    expect(rows[2]!.beats).toBe(2);
    expect(inferRecord(model, signal, anns, 3)).toHaveLength(3);
  });

  it('runs from the command line, picks the MLII lead, and reports bad options in one line', async () => {
    const { model, windows, data, modelPath } = setup();
    const ref = compileReference(model);
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      await (await buildProgram()).parseAsync(['node', 'bitbeat', 'infer', '--model', modelPath, '--record', '900', '--data', data, '--json']);
    } finally {
      process.stdout.write = write;
    }
    const parsed = JSON.parse(out);
    expect(parsed.signal).toBe('MLII');
    expect(parsed.rows.map((r: { predicted: string }) => r.predicted)).toEqual(windows.map((w) => model.classes[ref.classify(w)]));
    await expect((await buildProgram()).exitOverride().parseAsync(['node', 'bitbeat', 'infer', '--model', modelPath, '--record', '900', '--data', data, '--signal', '5'])).rejects.toThrow(/--signal 5: record 900 has signals 0..1 \(V1, MLII\)/);
    await expect((await buildProgram()).exitOverride().parseAsync(['node', 'bitbeat', 'infer', '--model', modelPath, '--record', '901', '--data', data])).rejects.toThrow(/901.hea/);
  });
});

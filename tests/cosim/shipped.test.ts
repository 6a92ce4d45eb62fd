/**
 * Every shipped model (models/*.json) at its standard foldings (auto, fully folded, highly
 * parallel when it differs from auto; sim/cosim/foldings.ts), generated with trace ports and
 * cosimulated with back-pressure on a few synthetic windows: bit-exact. Few windows keep CI
 * bounded (a fully folded design needs over a million cycles per window); the real-data runs on
 * 1,000+ windows and the fully parallel designs are bench:cosim's (bench/cosim.md).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { describeMismatch } from '../../sim/cosim/compare.ts';
import { cosimulate } from '../../sim/cosim/cosim.ts';
import { readDesignDir } from '../../sim/cosim/design.ts';
import { foldingLabel, standardFoldings } from '../../sim/cosim/foldings.ts';
import { syntheticWindows } from '../../sim/cosim/windows.ts';
import { loadModel } from '../../src/model/load.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { verilatorMissing } from './helpers.ts';

const repo = join(import.meta.dirname, '../..');
const modelFiles = readdirSync(join(repo, 'models'))
  .filter((f) => f.endsWith('.json') && !f.endsWith('.metrics.json'))
  .sort();
const skip = await verilatorMissing();
if (modelFiles.length === 0) console.warn('tests/cosim/shipped: no models in models/*.json, nothing to cosimulate');
const root = mkdtempSync(join(tmpdir(), 'bb-cosim-shipped-'));

describe.skipIf(skip || modelFiles.length === 0)('shipped models, cosimulated at their standard foldings', () => {
  for (const file of modelFiles) {
    const model = loadModel(join(repo, 'models', file));
    const reference = compileReference(model);
    for (const { label, folding, target } of standardFoldings(model, 'skip')) {
      it(`${model.name}, ${label} (${foldingLabel(folding)}) on ${target.name}`, async () => {
        const dir = join(root, `${model.name}-${label.replace(/ /g, '-')}`);
        generateDesign(model, folding, target, dir, { trace: true, allowOverBudget: true, modelPath: relative(repo, join(repo, 'models', file)) });
        // a fully folded design needs over a million cycles per window: fewer windows there
        const slow = label === 'fully folded';
        const { windows, input } = syntheticWindows(model, slow ? 2 : 4, 17);
        const { result } = await cosimulate({ design: readDesignDir(dir), model, windows, input, backpressure: 0.3, seed: 5, reference, timingWindows: slow ? 3 : 4 });
        expect(result.streams.length).toBe(model.layers.length + 1);
        expect({ mismatches: result.mismatches, timing: result.timingMismatches }, result.firstMismatch ? describeMismatch(result.firstMismatch) : '').toEqual({ mismatches: 0, timing: 0 });
        // the analytical model (issue 7: within 5 %); the bench has the exact figures
        expect(Math.abs(result.diffPercent.cyclesPerWindow!), `cycles per window ${result.cyclesPerWindow} vs estimate ${result.estimate.cyclesPerWindow}`).toBeLessThanOrEqual(5);
        expect(Math.abs(result.diffPercent.latencyCycles!), `latency ${result.latencyCycles} vs estimate ${result.estimate.latencyCycles}`).toBeLessThanOrEqual(5);
      });
    }
  }
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, DEFAULT_WINDOW_SAMPLES, loadDesignReport, modelMetrics, STREAM_SAMPLE_RATE_HZ } from '../../src/report/index.ts';
import { layerOfInstance, layerResources } from '../../src/report/layers.ts';
import { RESOURCE_CLASSES, sumCounts } from '../../src/synth/resources.ts';
import { designWithResults, manifestFixture, synthFixture } from './helpers.ts';

describe('layers from the hierarchy', () => {
  it('matches instance names to layer names by whole tokens, longest layer first', () => {
    const layers = ['conv1', 'conv10', 'dense', 'block_2'];
    expect(layerOfInstance('u_conv1', layers)).toBe('conv1');
    expect(layerOfInstance('u_conv10', layers)).toBe('conv10');
    expect(layerOfInstance('u_conv1_engine', layers)).toBe('conv1');
    expect(layerOfInstance('conv10', layers)).toBe('conv10');
    expect(layerOfInstance('u_block_2_pool', layers)).toBe('block_2');
    expect(layerOfInstance('u_conv100', layers)).toBeNull();
    expect(layerOfInstance('u_fifo', layers)).toBeNull();
  });

  it('rows (layers, unmatched instances, top glue) add up to the design total', () => {
    const s = synthFixture('ice40-up5k');
    const m = manifestFixture();
    const rows = layerResources(m.estimate.layers, s.synthesis.instances, s.synthesis.topOwn);
    expect(rows.map((r) => r.label)).toEqual(['window', 'dense', 'argmax']);
    expect(rows.map((r) => r.instances)).toEqual([['u_window'], ['u_dense'], ['u_argmax']]);
    const sum = sumCounts(rows.map((r) => r.actual!));
    for (const c of RESOURCE_CLASSES) expect(sum[c]).toBe(s.synthesis.resources[c]);
    // an engine the manifest does not name stays visible under its own name
    const renamed = s.synthesis.instances.map((i) => (i.name === 'u_argmax' ? { ...i, name: 'u_select' } : i));
    const rows2 = layerResources(m.estimate.layers, renamed, s.synthesis.topOwn);
    expect(rows2.map((r) => r.label)).toEqual(['window', 'dense', 'argmax', 'u_select']);
    expect(rows2[2]!.actual).toBeNull();
  });
});

describe('buildReport', () => {
  it('derives latency, throughput and the 360 Hz real-time margin from Fmax and the estimate when there is no cosim', () => {
    const s = synthFixture('ice40-up5k');
    const r = buildReport({ manifest: manifestFixture(), synth: [s] });
    const t = r.targets[0]!;
    const fmax = s.pnr.runs[0]!.fmaxMhz!;
    expect(t.fmaxMhz).toBe(fmax);
    expect(t.cyclesPerWindow).toEqual({ value: 172, source: 'estimate' });
    expect(t.latencyCycles).toEqual({ value: 45, source: 'estimate' });
    expect(t.latencyUs).toBeCloseTo(45 / fmax, 12);
    expect(t.windowsPerSecond).toBeCloseTo((fmax * 1e6) / 172, 6);
    expect(r.stream).toEqual({ sampleRateHz: 360, windowSamples: DEFAULT_WINDOW_SAMPLES, windowPeriodS: 10 });
    expect(t.realtimeMargin).toBeCloseTo(((fmax * 1e6) / 172) * 10, 3);
    expect(t.estimateError.lut4).toBeCloseTo((204 - 192) / 192, 12);
    expect(t.estimateError.spram).toBeNull(); // estimate 0: no relative error
    expect(t.logicCells).toBe(s.pnr.runs[0]!.utilisation.ICESTORM_LC!.used);
    expect(t.lutUtilisation).toBeCloseTo(204 / 5280, 12);
    expect(r.cosim).toBeNull();
    expect(r.model.accuracy).toBeNull();
  });

  it('prefers measured cycles from cosim.json and shows per-layer measured cycles', () => {
    const dir = designWithResults(['ice40-up5k']);
    writeFileSync(
      join(dir, 'cosim.json'),
      JSON.stringify({ windows: 20, mismatches: 0, cyclesPerWindow: 3800, latencyCycles: 60, windowSamples: 1800, accuracy: 0.95, layers: [{ layer: 'dense', cycles: 41 }], extra: 'ignored' }),
    );
    const r = loadDesignReport(dir);
    const t = r.targets[0]!;
    expect(t.cyclesPerWindow).toEqual({ value: 3800, source: 'cosim' });
    expect(t.latencyUs).toBeCloseTo(60 / t.fmaxMhz!, 12);
    expect(r.stream.windowPeriodS).toBe(1800 / STREAM_SAMPLE_RATE_HZ);
    expect(t.realtimeMargin).toBeCloseTo(((t.fmaxMhz! * 1e6) / 3800) * 5, 3);
    expect(r.model.accuracy).toBe(0.95);
    expect(r.cosim).toEqual({ windows: 20, mismatches: 0 });
    expect(t.layers.find((l) => l.layer === 'dense')!.measuredCycles).toBe(41);
    expect(t.layers.find((l) => l.layer === 'window')!.measuredCycles).toBeNull();
  });

  it('reads the cosimulation engineer\'s cosim.json shape (sim/cosim/result.ts) and refuses another design\'s', () => {
    const dir = designWithResults(['ice40-up5k']);
    const cosim = { format: 'bitbeat-cosim', version: 1, design: 'design-small', windows: 8, mismatches: 0, classMismatches: 0, cyclesPerWindow: 0, latencyCycles: 52, estimate: { cyclesPerWindow: 172, latencyCycles: 45 } };
    writeFileSync(join(dir, 'cosim.json'), JSON.stringify(cosim));
    const t = loadDesignReport(dir).targets[0]!;
    expect(t.cyclesPerWindow).toEqual({ value: 172, source: 'estimate' }); // 0 = not measured
    expect(t.latencyCycles).toEqual({ value: 52, source: 'cosim' });
    writeFileSync(join(dir, 'cosim.json'), JSON.stringify({ ...cosim, design: 'other' }));
    expect(() => loadDesignReport(dir)).toThrow(/cosimulation of design other, not design-small/);
  });

  it('rejects a malformed cosim.json with one line naming the file', () => {
    const dir = designWithResults(['ice40-up5k']);
    writeFileSync(join(dir, 'cosim.json'), JSON.stringify({ windows: 2 }));
    expect(() => loadDesignReport(dir)).toThrow(/cosim\.json: mismatches: .*run `bitbeat cosim` again/);
  });

  it('sorts targets and says how to get results when there are none', () => {
    const dir = designWithResults(['ice40-up5k', 'ecp5-25f']);
    expect(loadDesignReport(dir).targets.map((t) => t.target)).toEqual(['ecp5-25f', 'ice40-up5k']);
    expect(loadDesignReport(dir, { target: 'ecp5-25f' }).targets).toHaveLength(1);
    expect(() => loadDesignReport(dir, { target: 'ice40-hx8k' })).toThrow(/no synthesis results for ice40-hx8k .* run `bitbeat synth/);
    expect(() => loadDesignReport(dir, { target: 'ice41' })).toThrow(/unknown target 'ice41'/);
  });

  it('counts model storage from the layers when the model does not record it', () => {
    const model = {
      name: 'm', input: { length: 3600 }, provenance: { testAccuracy: 0.9 },
      layers: [
        { kind: 'conv', outChannels: 8, kernel: 5, inChannels: 1 },
        { kind: 'dense', outFeatures: 5, inFeatures: 64 },
      ],
    } as unknown as Parameters<typeof modelMetrics>[0];
    const m = modelMetrics(model, undefined, 'x');
    expect(m.weightBits).toBe(8 * 5 + 5 * 64);
    expect(m.accuracy).toBe(0.9);
    expect(m.accuracySource).toBe('model provenance.testAccuracy');
    expect(m.windowSamples).toBe(3600);
  });
});

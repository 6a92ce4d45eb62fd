/**
 * The engine's output stages (engine.ts): the output function reads the accumulator's
 * register (stage t) and a fold-serial pool takes its fold words from a register (stage f).
 * Structure: the combinational cone of the threshold's inputs holds no popcount / dot lane,
 * the cone of the fold-serial pool's inputs holds no lane either (only the threshold on the
 * accumulator register, or the skid register), and that engine's clock enable comes from the
 * skid's flip-flop alone (if a stage register were dropped, a lane or the pool's ready would
 * be in a cone). Behaviour: whole designs built on
 * those engines, with heavy back-pressure (so the clock enable stalls every stage), bit-exact
 * against the reference, at foldings whose engines have a fold-serial pool, a register pool,
 * threshold parameters in block RAM (read one fold ahead from a counter stage t advances)
 * and a logits layer.
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { getTarget } from '../../src/design/targets.ts';
import type { Expr, Module, Signal, Stmt } from '../../src/hdl/index.ts';
import { forEachSignal } from '../../src/hdl/walk.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { buildEngine } from '../../hdl-gen/engine.ts';
import { accumulatorWidth, defaultWeightStorage, thresholdParamStorage } from '../../hdl-gen/estimate.ts';
import { validateFolding, type LayerFold } from '../../hdl-gen/folding.ts';
import { thresholdParamColumns } from '../../hdl-gen/blocks/threshold.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { smallModel } from './fixtures.ts';
import { runAccelerator } from './accelerator-sim.ts';

const up5k = getTarget('ice40-up5k');

/** Assignments to `target` anywhere in a statement tree, with the conditions guarding them. */
function drivers(stmts: Stmt[], target: Signal, out: Expr[] = []): Expr[] {
  for (const st of stmts) {
    if (st.kind === 'assign') {
      if (st.target === target) out.push(st.value);
    } else if (st.kind === 'if') {
      const before = out.length;
      for (const b of st.branches) drivers(b.body, target, out);
      if (st.orelse) drivers(st.orelse, target, out);
      if (out.length > before) out.push(...st.branches.map((b) => b.cond));
    } else {
      const before = out.length;
      for (const c of st.cases) drivers(c.body, target, out);
      if (st.fallback) drivers(st.fallback, target, out);
      if (out.length > before) out.push(st.sel);
    }
  }
  return out;
}

interface Cone {
  /** instance paths the combinational cone passes through (e.g. 'lane0', 'acc') */
  instances: Set<string>;
  /** registers, memory reads and top-module inputs where it ends, as 'path.name' */
  sources: Set<string>;
}

/**
 * The combinational cone of `e` in `top`: followed through wires and assignments, into child
 * instances through their outputs and back out through their inputs, up to registers, memory
 * read registers and the top module's inputs.
 */
function cone(top: Module, e: Expr): Cone {
  const result: Cone = { instances: new Set(), sources: new Set() };
  const seen = new Set<string>();
  // scope: the module a signal lives in, its path, and how to leave it through an input
  type Scope = { m: Module; path: string; up: ((port: string) => void) | null };
  const visit = (scope: Scope, s: Signal): void => {
    const key = `${scope.path}.${s.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (s.kind === 'input') {
      if (scope.up) scope.up(s.name);
      else result.sources.add(key);
      return;
    }
    const driver = scope.m.drivers.get(s);
    if (driver === 'sync' || driver === 'memory') {
      result.sources.add(key);
      return;
    }
    if (driver === 'instance') {
      const inst = scope.m.instances.find((i) => [...i.outputs.values()].includes(s))!;
      const port = [...inst.outputs.entries()].find(([, v]) => v === s)![0];
      const childPath = `${scope.path}.${inst.name}`;
      result.instances.add(childPath.split('.').slice(1).join('.'));
      const child: Scope = {
        m: inst.child,
        path: childPath,
        up: (p) => {
          const bound = inst.inputs.get(p);
          if (bound) forEachSignal(bound, (x) => visit(scope, x));
        },
      };
      visit(child, inst.port(port));
      return;
    }
    for (const d of drivers(scope.m.body, s)) forEachSignal(d, (x) => visit(scope, x));
  };
  const root: Scope = { m: top, path: top.name, up: null };
  forEachSignal(e, (x) => visit(root, x));
  return result;
}

function engines(model: QModel, folds: LayerFold[]) {
  return layerShapes(model).map((shape, i) => {
    const f = folds[i]!;
    const words = (shape.outChannels / f.pe) * (shape.taps / f.simd);
    return buildEngine({ model, shape, fold: f, weightStorage: f.weights ?? defaultWeightStorage(words, f.pe * f.simd, up5k), family: 'ice40', prefix: 't' });
  });
}

describe('engine output stages: structure', () => {
  const model = smallModel();
  const foldings: LayerFold[][] = [
    // conv0 fold-serial (4 folds, a pool), conv1 one group per fold, dense 3 folds
    [{ layer: 'conv0', pe: 1, simd: 1 }, { layer: 'conv1', pe: 2, simd: 12 }, { layer: 'dense', pe: 1, simd: 8, pipeline: 1 }],
    // fully parallel: one fold, constant weights, the register pool
    [{ layer: 'conv0', pe: 4, simd: 3 }, { layer: 'conv1', pe: 6, simd: 12, pipeline: 2 }, { layer: 'dense', pe: 3, simd: 48 }],
  ];
  for (const folding of foldings) {
    it(`threshold reads the accumulator register; a fold-serial pool reads a register (${folding.map((f) => `${f.pe}x${f.simd}`).join(' ')})`, () => {
      let serialPools = 0;
      const resolved = validateFolding(model, { layers: folding }).layers;
      for (const [i, { module: m }] of engines(model, resolved).entries()) {
        const shape = layerShapes(model)[i]!;
        const fold = resolved[i]!;
        const th = m.instances.find((i) => i.name === 'threshold');
        if (th) {
          for (const [port, e] of th.inputs) {
            if (!/^a\d+$/.test(port)) continue;
            const c = cone(m, e);
            expect([...c.instances], `${m.name} threshold ${port}`).toEqual(['acc']);
            expect([...c.sources].every((s) => s.startsWith(`${m.name}.acc.acc`)), `${m.name} threshold ${port}: ${[...c.sources].join(', ')}`).toBe(true);
          }
        }
        // every engine's clock enable is a flip-flop: the skid before a fold-serial pool, else the conv position register's
        const ce = m.signals.find((x) => x.name === 'ce')!;
        const layerNow = model.layers[shape.index]!;
        const serialNow = layerNow.kind === 'conv' && !!layerNow.pool && shape.outChannels / fold.pe > 1;
        // (iCE40 with several groups per fold: stage f is a register, ce its stall flip-flop)
        const fReg = serialNow && shape.taps / fold.simd > 1;
        expect(cone(m, ce), `${m.name} ce`).toEqual({ instances: new Set(), sources: new Set([`${m.name}.${fReg ? 'f_stall' : serialNow ? 'f_skid_full' : 'cv_skid_full'}`]) });
        const pool = m.instances.find((i) => i.name === 'pool');
        const layer = model.layers[shape.index]!;
        const foldSerial = layer.kind === 'conv' && !!layer.pool && shape.outChannels / fold.pe > 1;
        if (foldSerial) {
          serialPools++;
          // the pool's input comes from stage t (the threshold on the accumulator register) or the skid
          for (const port of ['in_valid', 'in_payload']) {
            const c = cone(m, pool!.inputs.get(port)!);
            if (fReg) {
              // or, stage f being a register, from that register alone
              expect(c, `${m.name} pool ${port}`).toEqual({ instances: new Set(), sources: new Set([`${m.name}.${port === 'in_valid' ? 'f_full' : 'f_word'}`]) });
              continue;
            }
            expect([...c.instances].filter((n) => n !== 'threshold' && n !== 'acc'), `${m.name} pool ${port}`).toEqual([]);
            expect([...c.sources].filter((x) => x.startsWith(`${m.name}.acc.`) || x.startsWith(`${m.name}.threshold.`)).every((x) => /\.acc\.acc\d+$|\.threshold\./.test(x))).toBe(true);
            expect(c.sources.has(`${m.name}.f_skid_full`), `${m.name} pool ${port}`).toBe(true);
          }
        }
      }
      // the first folding has a fold-serial pool (conv0; dense has no pool)
      if (folding[0]!.pe === 1) expect(serialPools).toBeGreaterThan(0);
    });
  }

  it('the cone walker sees a lane behind the accumulator adder (so the checks above can fail)', () => {
    const [conv0] = engines(model, validateFolding(model, { layers: foldings[0]! }).layers);
    const acc = conv0!.module.instances.find((i) => i.name === 'acc')!;
    // the accumulator's own input is combinational from the lane
    const c = cone(conv0!.module, acc.inputs.get('in0')!);
    expect([...c.instances].some((n) => n.startsWith('lane0'))).toBe(true);
  });
});

describe('engine output stages under stalls (Verilator vs reference)', () => {
  it('small model: fold-serial pools, one-group folds and the logits layer at 30 % output ready', async () => {
    const model = smallModel();
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 1, simd: 1 }, { layer: 'conv1', pe: 2, simd: 12 }, { layer: 'dense', pe: 1, simd: 8, pipeline: 1 }] });
    await runAccelerator(model, f, up5k, randomWindows(makeRng(41), model, 4), makeRng(42), { name: 'eng_stall', pReady: 0.3, pValid: 0.9 });
  });

  it('threshold parameters in block RAM (read ahead by the stage-t fold counter) under stalls', async () => {
    // 64 output channels at PE 1: 64 folds of parameters, enough for a block-RAM ROM
    const rng = makeRng(9);
    let model: QModel | null = null;
    let layerIndex = -1;
    for (let tries = 0; tries < 200 && !model; tries++) {
      const m = randomModel(rng, { inputLength: [24, 40], maxChannels: 64, binaryConvLayers: [1, 2], fnKinds: ['ge', 'le'] });
      layerShapes(m).forEach((s, i) => {
        const layer = m.layers[i]!;
        if (model || layer.out.kind !== 'binary' || s.outChannels < 48) return;
        const cols = thresholdParamColumns({ fns: layer.out.fns, pe: 1, accWidth: accumulatorWidth(m, s), reachable: s.channelPreact });
        if (thresholdParamStorage(s.outChannels, cols, 'ice40') === 'rom') {
          model = m;
          layerIndex = i;
        }
      });
    }
    expect(model, 'a random model with a 48+ channel binary layer').not.toBeNull();
    const m = model!;
    const folding = validateFolding(m, { layers: layerShapes(m).map((s, i) => ({ layer: s.name, pe: i === layerIndex ? 1 : s.outChannels, simd: s.taps })) });
    const built = engines(m, folding.layers)[layerIndex]!.module;
    expect(built.instances.find((i) => i.name === 'threshold')!.child.generationParams.params).toBe('rom');
    await runAccelerator(m, folding, up5k, randomWindows(makeRng(43), m, 3), makeRng(44), { name: 'eng_rom', pReady: 0.3, pValid: 0.9 });
  });
});

/**
 * bench/hardware.md: every point of bench:hardware in a few tables. The per-design columns
 * are the report's own (src/report/format-md.ts: summaryCells, estimateCells), with columns
 * naming the model and folding in front; what is bench-specific here is the goals table and
 * the rows of designs that did not place and route.
 */
import { accuracyText, count, DASH, percent } from '../report/format-common.ts';
import { ESTIMATE_ALIGN, ESTIMATE_HEADER, ESTIMATE_NOTE, estimateCells, SUMMARY_ALIGN, SUMMARY_HEADER, summaryCells, table } from '../report/format-md.ts';
import type { TargetRow } from '../report/build.ts';
import type { FrontierPoint } from './hardware-frontier.ts';
import { SEED000, type GoalRow } from './hardware-goals.ts';
import type { HardwareResult } from './hardware-point.ts';

export interface HardwareMdInput {
  /** the command line and how the points were chosen, as paragraphs */
  preamble: string[];
  results: HardwareResult[];
  goals: GoalRow[];
  /** the seed-000 model's estimated design space on the UP5K (src/bench/hardware-frontier.ts) */
  frontier?: { model: string; target: string; points: FrontierPoint[] };
}

/**
 * The seed-000 goal's section: the estimated LUT4/latency trade on the UP5K, with the goal's
 * clock floor turning cycles into time, and the two designs that bound the gap.
 */
/**
 * Why no estimated design meets the seed-000 goal, from the two sides of the gap: how far the
 * smallest design within the latency budget is over the LUT4 bound, and how fast a clock the
 * fastest design within the LUT4 bound would need (or, when none is within it, how far over
 * the smallest design is).
 */
function noneMeetsBoth(fits: FrontierPoint[], fastEnough: FrontierPoint | undefined, budget: number): string {
  const lutMax = SEED000.lutMax;
  const over = (p: FrontierPoint) => `${percent((p.lut4 - lutMax) / lutMax)} over ${count(lutMax)} LUT4`;
  const fast = fastEnough ? `the smallest design within ${count(budget)} latency cycles is ${over(fastEnough)}` : `no design reaches ${count(budget)} latency cycles`;
  const small = fits.filter((p) => p.lut4 <= lutMax).sort((a, b) => a.latencyCycles - b.latencyCycles)[0];
  const smallest = [...fits].sort((a, b) => a.lut4 - b.lut4)[0];
  const lean = small
    ? `the fastest design within ${count(lutMax)} LUT4 (${small.folding}) takes ${count(small.latencyCycles)} latency cycles, ${(small.latencyCycles / SEED000.usMax).toFixed(1)} MHz for ${SEED000.usMax / 1000} ms`
    : smallest
      ? `the smallest design that fits is ${over(smallest)}`
      : 'no design fits';
  return `${fast}, and ${lean}. The gap is closed by fewer LUT4 in the blocks every folding pays for (normalizer, line buffers, control) or by another architecture (one engine shared by all layers), not by another folding.`;
}

function frontierSection(f: NonNullable<HardwareMdInput['frontier']>): string[] {
  const us = (cycles: number) => (cycles / SEED000.mhzMin).toFixed(0);
  const budget = SEED000.usMax * SEED000.mhzMin; // latency cycles of the goal at its slowest clock
  const fits = f.points.filter((p) => p.excess.length === 0);
  const smallest = [...fits].sort((a, b) => a.lut4 - b.lut4 || a.latencyCycles - b.latencyCycles)[0];
  const fastEnough = [...f.points].filter((p) => p.latencyCycles <= budget).sort((a, b) => a.lut4 - b.lut4)[0];
  const both = fits.filter((p) => p.lut4 <= SEED000.lutMax && p.latencyCycles <= budget);
  const out = [
    `## Seed-000 goal: the estimated design space of ${f.model} on the ${f.target}`,
    '',
    `The goal asks for one design with at most ${count(SEED000.lutMax)} LUT4 and at most ${SEED000.usMax / 1000} ms per window at ${SEED000.mhzMin} MHz or more, i.e. at most ${count(budget)} latency cycles at ${SEED000.mhzMin} MHz. ` +
      'These are the analytical estimates (hdl-gen/estimate.ts) of the designs auto builds at cycle bounds spaced geometrically from one sample per cycle to the smallest design, and of `--fit`; the placed designs above show how close the estimate is. ' +
      `A design placed faster than ${SEED000.mhzMin} MHz may take more cycles: the column "clock for ${SEED000.usMax / 1000} ms" is the clock its latency needs.`,
    '',
  ];
  if (smallest) out.push(`- Smallest design that fits: ${count(smallest.lut4)} LUT4 (est.), ${count(smallest.latencyCycles)} latency cycles = ${us(smallest.latencyCycles)} µs at ${SEED000.mhzMin} MHz (${smallest.folding}).`);
  if (fastEnough)
    out.push(
      `- Smallest design within ${count(budget)} latency cycles: ${count(fastEnough.lut4)} LUT4, ${count(fastEnough.bram)} BRAM (est.), ${count(fastEnough.latencyCycles)} cycles = ${us(fastEnough.latencyCycles)} µs at ${SEED000.mhzMin} MHz (${fastEnough.folding})${fastEnough.excess.length ? `; over the device: ${fastEnough.excess.join(', ')}` : ''}.`,
    );
  else out.push(`- No design reaches ${count(budget)} latency cycles.`);
  out.push(
    both.length
      ? `- Designs meeting both by the estimate: ${both.map((p) => p.folding).join('; ')}.`
      : `- No design meets both: ${noneMeetsBoth(fits, fastEnough, budget)}`,
    '',
  );
  out.push(
    ...table(
      ['folding (PE x SIMD per layer)', 'est. LUT4', 'est. FF', 'est. BRAM', 'cycles/window', 'latency cycles', `latency µs at ${SEED000.mhzMin} MHz`, `clock for ${SEED000.usMax / 1000} ms`, 'fits', 'Pareto'],
      f.points.map((p) => [p.folding, count(p.lut4), count(p.ff), count(p.bram), count(p.cyclesPerWindow), count(p.latencyCycles), us(p.latencyCycles), `${(p.latencyCycles / SEED000.usMax).toFixed(1)} MHz`, p.excess.length ? `no: ${p.excess.join(', ')}` : 'yes', p.pareto ? 'yes' : '']),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    ),
  );
  return out;
}

function row(r: HardwareResult): TargetRow | null {
  return r.report?.targets.find((t) => t.target === r.target) ?? null;
}

function foldingCell(r: HardwareResult): string {
  return `${r.folding}: ${r.foldingText ?? DASH}`;
}

export function hardwareMarkdown(input: HardwareMdInput): string {
  const { results } = input;
  const out: string[] = ['# Benchmark: hardware (synthesis, place and route)', '', ...input.preamble, ''];

  out.push('## Goals', '');
  out.push(...table(['goal', 'criterion', 'model', 'measured', 'status'], input.goals.map((g) => [g.goal, g.criterion, g.model, g.measured, g.status]), ['l', 'l', 'l', 'l', 'l']));

  if (input.frontier) out.push('', ...frontierSection(input.frontier));

  const ok = results.filter((r) => r.status === 'ok' && row(r));
  out.push('', '## Placed and routed designs', '');
  if (ok.length === 0) out.push('None yet.');
  else {
    out.push(...table(['model', 'target', 'folding (PE x SIMD per layer)', ...SUMMARY_HEADER], ok.map((r) => [r.model, r.target, foldingCell(r), ...summaryCells(row(r)!)]), ['l', 'l', 'l', ...SUMMARY_ALIGN]));
    if (ok.some((r) => row(r)!.cyclesPerWindow.source === 'estimate' || row(r)!.latencyCycles.source === 'estimate')) out.push('', ESTIMATE_NOTE);
    out.push('', 'Cycles are measured in a short Verilator cosimulation of the synthesized design on synthetic windows (bit-exact against the integer reference) unless marked (est.). Latency: from the last sample of a window to its class, at the primary seed\'s Fmax; real-time margin: window period of the 360 Hz stream over the processing time per window.');
    out.push('', '### Estimated vs actual resources', '');
    out.push(...table(['model', 'target', 'folding', ...ESTIMATE_HEADER], ok.map((r) => [r.model, r.target, r.folding, ...estimateCells(row(r)!)]), ['l', 'l', 'l', ...ESTIMATE_ALIGN]));
  }

  const stopped = results.filter((r) => r.status !== 'ok');
  out.push('', '## Designs that did not place and route', '');
  if (stopped.length === 0) out.push('None.');
  else {
    out.push(
      ...table(
        ['model', 'target', 'folding (PE x SIMD per layer)', 'stopped at', 'est. LUT4', 'est. FF', 'est. BRAM', 'est. SPRAM', 'est. DSP', 'est. cycles/window', 'Yosys LUT4', 'Yosys FF', 'Yosys BRAM', 'LUT4 error', 'cosim cycles/window', 'message'],
        stopped.map((r) => {
          const e = r.estimate?.total;
          const s = r.synthesized;
          return [
            r.model,
            r.target,
            foldingCell(r),
            r.failedStep ?? DASH,
            count(e?.lut4),
            count(e?.ff),
            count(e?.bram),
            count(e?.spram),
            count(e?.dsp),
            count(r.estimate?.cyclesPerWindow),
            count(s?.lut4),
            count(s?.ff),
            count(s?.bram),
            s && e && e.lut4 > 0 ? percent((s.lut4 - e.lut4) / e.lut4) : DASH,
            count(r.cosim?.cyclesPerWindow),
            r.error ?? DASH,
          ];
        }),
        ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
    out.push('', 'Yosys columns: the synthesized netlist when synthesis finished but place and route did not (its LUT4 error is against the estimate).');
  }

  out.push('', '## Models', '');
  const models = [...new Map(results.map((r) => [r.model, r])).values()];
  out.push(
    ...table(
      ['model', 'accuracy', 'accuracy source', 'weight bits', 'parameter bits', 'bytes'],
      models.map((r) => {
        const m = r.modelMetrics;
        return [r.model, accuracyText({ model: m }), m.accuracySource ?? DASH, count(m.weightBits), count(m.paramBits), count(m.bytes)];
      }),
      ['l', 'r', 'l', 'r', 'r', 'r'],
    ),
  );

  out.push('', '## Cosimulation and run times', '');
  out.push(
    ...table(
      ['model', 'target', 'folding', 'est. cycles/window', 'cosim cycles/window', 'est. latency', 'cosim latency', 'windows', 'mismatches', 'P&R seeds', 'generate s', 'cosim s', 'synth + P&R s', 'note'],
      results.map((r) => [
        r.model,
        r.target,
        r.folding,
        count(r.estimate?.cyclesPerWindow),
        count(r.cosim?.cyclesPerWindow),
        count(r.estimate?.latencyCycles),
        count(r.cosim?.latencyCycles),
        count(r.cosim?.windows),
        count(r.cosim?.mismatches),
        r.seeds ? String(r.seeds) : DASH,
        r.seconds.generate === undefined ? DASH : r.seconds.generate.toFixed(1),
        r.seconds.cosim === undefined ? DASH : r.seconds.cosim.toFixed(1),
        r.seconds.synth === undefined ? DASH : r.seconds.synth.toFixed(0),
        r.cosimError ?? '',
      ]),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
  return `${out.join('\n')}\n`;
}

/** The Markdown report: for people reading a README, an issue or bench/hardware.md. */
import { ESTIMATED_RESOURCES, type DesignReport, type TargetRow } from './build.ts';
import { accuracyText, count, cycleText, DASH, fixed, fmaxSpreadText, percent, sig3, usesEstimates } from './format-common.ts';

const EST = ' (est.)';

/** A GitHub Markdown table; `|` inside cells is escaped. */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

/** The summary columns of one design on one target (after the columns naming it). */
export const SUMMARY_HEADER = ['LUT4', 'FF', 'carry', 'BRAM', 'SPRAM', 'DSP', 'logic cells', 'Fmax MHz', 'Fmax min/med/max', 'icetime MHz', 'cycles/window', 'latency cycles', 'latency µs', 'windows/s', 'real-time margin'];
export const SUMMARY_ALIGN: ('l' | 'r')[] = SUMMARY_HEADER.map(() => 'r');

export function summaryCells(t: TargetRow): string[] {
  return [
    count(t.resources.lut4),
    count(t.resources.ff),
    count(t.resources.carry),
    count(t.resources.bram),
    count(t.resources.spram),
    count(t.resources.dsp),
    count(t.logicCells),
    fixed(t.fmaxMhz, 1),
    fmaxSpreadText(t),
    fixed(t.icetimeMhz, 1),
    cycleText(t.cyclesPerWindow, EST),
    cycleText(t.latencyCycles, EST),
    fixed(t.latencyUs, 2),
    sig3(t.windowsPerSecond),
    t.realtimeMargin === null ? DASH : `${sig3(t.realtimeMargin)}x`,
  ];
}

/** Estimated, actual and relative error per estimated resource. */
export const ESTIMATE_HEADER = ESTIMATED_RESOURCES.flatMap((k) => [`${k} est.`, `${k} actual`, `${k} error`]);
export const ESTIMATE_ALIGN: ('l' | 'r')[] = ESTIMATE_HEADER.map(() => 'r');

export function estimateCells(t: TargetRow): string[] {
  return ESTIMATED_RESOURCES.flatMap((k) => [count(t.estimate[k]), count(t.resources[k]), percent(t.estimateError[k])]);
}

/** The footnote for cycle figures marked EST. */
export const ESTIMATE_NOTE = '(est.): analytical estimate from the manifest; no cosimulation result yet.';

export function reportToMarkdown(r: DesignReport): string {
  const out: string[] = [];
  const m = r.model;
  out.push(`# bitbeat report: ${r.design}`, '');
  out.push(`- Model: ${m.name} (hash ${m.hash.slice(0, 16)}), ${m.classes.length} classes (${m.classes.join(', ')})`);
  out.push(`- Accuracy: ${accuracyText(r)}${m.accuracySource ? ` (${m.accuracySource})` : ''}`);
  out.push(`- Storage: ${m.weightBits === null ? DASH : `${m.weightBits} weight bits`}${m.paramBits !== null ? `, ${m.paramBits} parameter bits` : ''}${m.bytes !== null ? `, ${m.bytes} bytes` : ''}`);
  out.push(`- Stream: ${r.stream.sampleRateHz} Hz, ${r.stream.windowSamples}-sample windows (one every ${fixed(r.stream.windowPeriodS, 2)} s)`);
  out.push(`- Cosimulation: ${r.cosim ? `${r.cosim.windows} windows, ${r.cosim.mismatches} mismatches against the reference` : `${DASH} (no cosim.json)`}`);
  out.push('');
  out.push('## Summary', '');
  out.push(...table(['target', 'board', ...SUMMARY_HEADER], r.targets.map((t) => [t.target, t.board, ...summaryCells(t)]), ['l', 'l', ...SUMMARY_ALIGN]));
  if (usesEstimates(r)) out.push('', ESTIMATE_NOTE);
  out.push('', '## Estimated vs actual resources', '');
  out.push(...table(['target', 'board', ...ESTIMATE_HEADER], r.targets.map((t) => [t.target, t.board, ...estimateCells(t)]), ['l', 'l', ...ESTIMATE_ALIGN]));
  for (const t of r.targets) {
    out.push('', `## Per layer: ${t.target} (${t.board})`, '');
    out.push(
      ...table(
        ['layer', 'instances', 'LUT4', 'FF', 'carry', 'BRAM', 'SPRAM', 'DSP', 'LUT4 est.', 'FF est.', 'LUT4 error', 'cycles est.', 'cycles measured'],
        t.layers.map((l) => [
          l.label,
          l.instances.length ? l.instances.join(', ') : DASH,
          count(l.resources?.lut4),
          count(l.resources?.ff),
          count(l.resources?.carry),
          count(l.resources?.bram),
          count(l.resources?.spram),
          count(l.resources?.dsp),
          count(l.estimate?.lut4),
          count(l.estimate?.ff),
          percent(l.estimateError?.lut4),
          count(l.estimatedCycles),
          count(l.measuredCycles),
        ]),
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }
  for (const t of r.targets) {
    out.push('', `## Per module: ${t.target} (${t.board})`, '', "Each module's own cells, submodules excluded, per instance.", '');
    out.push(
      ...table(
        ['module', 'instances', 'LUT4', 'FF', 'carry', 'BRAM', 'SPRAM', 'DSP'],
        t.modules.map((m) => [m.module, count(m.instances), count(m.own.lut4), count(m.own.ff), count(m.own.carry), count(m.own.bram), count(m.own.spram), count(m.own.dsp)]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }
  out.push('', '## Tools and seeds', '');
  out.push(
    ...table(
      ['target', 'board', 'tool', 'version', 'seeds', 'target MHz'],
      r.targets.flatMap((t) => Object.entries(t.tools).map(([name, v]) => [t.target, t.board, name, v, t.seeds.join(', '), fixed(t.freqTargetMhz, 1)])),
      ['l', 'l', 'l', 'l', 'l', 'r'],
    ),
  );
  return `${out.join('\n')}\n`;
}

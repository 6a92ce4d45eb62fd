/** The Markdown report: for people reading a README, an issue or bench/hardware.md. */
import { ESTIMATED_RESOURCES, type DesignReport } from './build.ts';
import { accuracyText, count, cycleText, DASH, fixed, fmaxSpreadText, percent, sig3, usesEstimates } from './format-common.ts';

const EST = ' (est.)';

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
}

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
  out.push(
    ...table(
      ['target', 'board', 'LUT4', 'FF', 'carry', 'BRAM', 'SPRAM', 'DSP', 'logic cells', 'Fmax MHz', 'Fmax min/med/max', 'icetime MHz', 'cycles/window', 'latency cycles', 'latency µs', 'windows/s', 'real-time margin'],
      r.targets.map((t) => [
        t.target,
        t.board,
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
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  if (usesEstimates(r)) out.push('', '(est.): analytical estimate from the manifest; no cosimulation result yet.');
  out.push('', '## Estimated vs actual resources', '');
  out.push(
    ...table(
      ['target', 'board', ...ESTIMATED_RESOURCES.flatMap((k) => [`${k} est.`, `${k} actual`, `${k} error`])],
      r.targets.map((t) => [t.target, t.board, ...ESTIMATED_RESOURCES.flatMap((k) => [count(t.estimate[k]), count(t.resources[k]), percent(t.estimateError[k])])]),
      ['l', 'l', ...ESTIMATED_RESOURCES.flatMap(() => ['r', 'r', 'r'] as const)],
    ),
  );
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

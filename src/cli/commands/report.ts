import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/write-atomic.ts';
import { loadDesignReport, parseReportFormat, renderReport, REPORT_FORMATS } from '../../report/index.ts';

/** `bitbeat report`: a design's synthesis (+ cosim, + model) results as Markdown, CSV, LaTeX or JSON. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('report resources, Fmax, latency and throughput of a synthesized design')
    .requiredOption('--design <dir>', 'design directory (reads manifest.json, build/*/synth.json, cosim.json when present)')
    .option('--target <target>', 'only this target (default: every synthesized target)')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'md')
    .option('--model <file>', 'quantized model for accuracy and storage (default: the manifest\'s model.path when it exists)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action((opts: { design: string; target?: string; format: string; model?: string; out?: string }) => {
      const format = parseReportFormat(opts.format);
      const text = renderReport(loadDesignReport(opts.design, { target: opts.target, modelPath: opts.model }), format);
      if (!opts.out) {
        process.stdout.write(text);
        return;
      }
      writeFileAtomic(opts.out, text, { mkdir: true });
      process.stderr.write(`wrote ${opts.out}\n`);
    });
}

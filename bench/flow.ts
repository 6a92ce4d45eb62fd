/**
 * bench:flow — runs the README's main job (`bitbeat flow` with its defaults: the shipped
 * 5-class model on the default target) and writes its summary and timings to bench/flow.md,
 * so the figures the README quotes come from a command in the repository.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const args = ['flow', ...process.argv.slice(2)];
const t0 = performance.now();
const child = spawn(process.execPath, [join(root, 'bin/bitbeat.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let stdout = '';
let stderr = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => {
  stdout += d;
  process.stdout.write(d);
});
child.stderr.setEncoding('utf8').on('data', (d: string) => {
  stderr += d;
  process.stderr.write(d);
});
const status: number = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
const minutes = (performance.now() - t0) / 60000;
if (status !== 0) {
  process.stderr.write(`bench:flow: bitbeat flow failed (exit ${status}); bench/flow.md not written\n`);
  process.exit(status);
}
const steps = stderr.split('\n').filter((l) => /^\[\d\/\d\] .* done in /.test(l));
const md = [
  '# bench:flow — the README main job',
  '',
  `Command: \`npx bitbeat ${args.join(' ')}\` (defaults), via \`npm run bench:flow\`; ${minutes.toFixed(1)} minutes wall-clock on this machine (2 cores).`,
  '',
  '```',
  stdout.trim(),
  '```',
  '',
  'Steps:',
  '',
  ...steps.map((s) => `- ${s}`),
  '',
].join('\n');
writeFileSync(join(root, 'bench/flow.md'), md);

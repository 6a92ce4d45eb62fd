import type { Command } from 'commander';
import { findTool, TOOL_NAMES, TOOL_SPECS, overrideVariable } from '../../tools/index.ts';
import { UserError } from '../errors.ts';

/** `bitbeat doctor`: every external tool with its version and source, or how to install it. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('list the external tools bitbeat uses, with version and source, or how to install what is missing')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = [];
      for (const name of TOOL_NAMES) {
        const tool = await findTool(name);
        const spec = TOOL_SPECS[name];
        rows.push({
          tool: name,
          purpose: spec.purpose,
          found: tool !== undefined,
          source: tool?.source ?? null,
          command: tool?.command ?? null,
          version: tool?.version ?? null,
          install: tool ? null : `${spec.install} (or set ${overrideVariable(name)})`,
        });
      }
      const missing = rows.filter((r) => !r.found);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ node: process.version, tools: rows }, null, 2)}\n`);
      } else {
        process.stdout.write(`node ${process.version}\n`);
        const w = Math.max(...rows.map((r) => r.tool.length));
        for (const r of rows) {
          const status = r.found ? `${r.source!.padEnd(6)} ${r.version}  (${r.command})` : `MISSING: ${r.install}`;
          process.stdout.write(`${r.tool.padEnd(w)}  ${status}\n`);
        }
        process.stdout.write(missing.length === 0 ? `all ${rows.length} tools found\n` : '');
      }
      if (missing.length > 0) {
        throw new UserError(`${missing.length} of ${rows.length} tools missing: ${missing.map((r) => r.tool).join(', ')} (see the install hints above)`);
      }
    });
}

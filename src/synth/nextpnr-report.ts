/**
 * Reading nextpnr's `--report` JSON: per-clock achieved/target frequency and cell utilisation.
 * Only the fields bitbeat uses are validated; critical paths are left in the file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MalformedToolOutputError } from './errors.ts';

const ClockSchema = z.object({ achieved: z.number().nonnegative(), constraint: z.number().nonnegative() });
const UtilSchema = z.object({ used: z.number().int().nonnegative(), available: z.number().int().nonnegative() });
const ReportSchema = z.object({
  fmax: z.record(z.string(), ClockSchema),
  utilization: z.record(z.string(), UtilSchema),
});

export interface PnrClock {
  name: string;
  achievedMhz: number;
  targetMhz: number;
}

export interface PnrReport {
  clocks: PnrClock[];
  /** the design clock's achieved frequency; null when nextpnr found no register-to-register path */
  fmaxMhz: number | null;
  /** nextpnr cell types with used/available, only those in use, sorted by name */
  utilisation: Record<string, { used: number; available: number }>;
}

/**
 * The clock that is the design's `clk` port: nextpnr names it after the net it ends on
 * (`clk$SB_IO_IN_$glb_clk` on iCE40, `$glbnet$clk$TRELLIS_IO_IN` on ECP5). With one clock
 * it is that one; otherwise the one whose name contains `clk` as a token; otherwise the slowest.
 */
function designClock(clocks: PnrClock[], clockPort: string): PnrClock | undefined {
  if (clocks.length <= 1) return clocks[0];
  const token = new RegExp(`(^|[^A-Za-z0-9_])${clockPort}([^A-Za-z0-9_]|$)`);
  return clocks.find((c) => token.test(c.name)) ?? [...clocks].sort((a, b) => a.achievedMhz - b.achievedMhz)[0];
}

export function parsePnrReport(text: string, file: string, step: string, logFile?: string, clockPort = 'clk'): PnrReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MalformedToolOutputError(step, file, `not JSON (${(e as Error).message})`, logFile);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MalformedToolOutputError(step, file, `${issue.path.join('.') || '(root)'}: ${issue.message}`, logFile);
  }
  const clocks = Object.entries(parsed.data.fmax)
    .map(([name, c]) => ({ name, achievedMhz: c.achieved, targetMhz: c.constraint }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const utilisation: PnrReport['utilisation'] = {};
  for (const key of Object.keys(parsed.data.utilization).sort()) {
    const u = parsed.data.utilization[key]!;
    if (u.used > 0) utilisation[key] = { used: u.used, available: u.available };
  }
  return { clocks, fmaxMhz: designClock(clocks, clockPort)?.achievedMhz ?? null, utilisation };
}

export function readPnrReport(file: string, step: string, logFile?: string): PnrReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new MalformedToolOutputError(step, file, 'nextpnr exited successfully but wrote no report', logFile);
  }
  return parsePnrReport(text, file, step, logFile);
}

/**
 * Cycle measurements from a run without back-pressure (windows back to back, m_ready always
 * high), in the harness's cycle convention (harness.ts).
 *
 * - cycles per window: the steady-state interval between class handshakes. The first
 *   SKIP_INTERVALS intervals are pipeline fill (a ping-pong normalizer, for one, only reaches its
 *   rhythm by the third window) and are left out; the rest are averaged.
 * - latency: m_valid of window 0's class minus the handshake cycle of window 0's last
 *   sample; window 0 enters an idle pipeline, as the analytical model assumes.
 */
import type { WindowTiming } from './io.ts';

/** Windows in the timing run: enough for SKIP_INTERVALS fill intervals plus four measured ones. */
export const TIMING_WINDOWS = 7;
const SKIP_INTERVALS = 2;

export interface CycleMeasurement {
  cyclesPerWindow: number;
  latencyCycles: number;
}

export function measureCycles(timing: readonly WindowTiming[]): CycleMeasurement {
  if (timing.length < 2) throw new RangeError(`cosim timing: need at least 2 windows, got ${timing.length}`);
  // With fewer than SKIP_INTERVALS + 2 windows, fewer fill intervals are skipped (at least one interval is measured).
  const skip = Math.min(SKIP_INTERVALS, timing.length - 2);
  const first = timing[skip]!.classFire;
  const last = timing[timing.length - 1]!.classFire;
  const cyclesPerWindow = Math.round(((last - first) / (timing.length - 1 - skip)) * 100) / 100;
  const t0 = timing[0]!;
  return { cyclesPerWindow, latencyCycles: t0.classValid - t0.lastAccept };
}

/** (measured - estimate) / estimate in percent, two decimals; null when the estimate is 0. */
export function percentDiff(measured: number, estimate: number): number | null {
  if (estimate === 0) return null;
  return Math.round(((measured - estimate) / estimate) * 10000) / 100;
}

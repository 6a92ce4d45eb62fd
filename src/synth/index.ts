export { synthesize, buildDirFor, pnrLogName, SYNTH_RESULT_FILE, type SynthOptions } from './synthesize.ts';
export { readSynthResult, SynthResultSchema, type SynthResult, type PnrRun, type InstanceResult } from './result.ts';
export { loadManifest } from './design-dir.ts';
export { boardForTarget, boardNames, loadBoard, renderConstraints, assignPins, type Board } from './boards.ts';
export { MalformedToolOutputError } from './errors.ts';
export { toolJobs, mapLimited, Limiter } from './limiter.ts';
export type { ResourceCounts } from './resources.ts';
export { runSweep, jobsFromDesigns, jobsFromGenerator, sweepCsv, sweepPoints, writeSweepOutputs, SWEEP_CSV_HEADER, type GenerateFn, type GenerateRequest, type SweepJob, type SweepRow, type SweepOptions } from './sweep.ts';

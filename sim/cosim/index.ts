export { cosimulate, defaultProcesses, defaultWatchdog, mainRunParts, partSeed, splitRanges, MIN_WINDOWS_PER_PART, PART_WINDOWS, type CosimOptions, type CosimRun } from './cosim.ts';
export { buildCosim, DEFAULT_COSIM_CACHE, type CosimBuild, type CosimBuildOptions } from './build.ts';
export { readDesignDir, type DesignDir } from './design.ts';
export { runHarness, CosimDeadlockError, CosimProtocolError, type HarnessRunOptions } from './run.ts';
export { compareRun, mergeComparisons, describeMismatch, streamSpecs, type Comparison, type StreamSpec } from './compare.ts';
export { measureCycles, percentDiff, TIMING_WINDOWS } from './timing.ts';
export { readCosimResult, CosimResultSchema, type CosimResult, type CosimMismatch, type CosimStreamSummary } from './result.ts';
export { cosimHarnessSource, COSIM_HARNESS_VERSION } from './harness.ts';
export { datasetWindows, parseCosimSplit, syntheticWindows, type CosimSplit, type SelectedWindows } from './windows.ts';

export { Simulator, SimSession, type SimInputs, type SimOutputs, type SimValue, type SimPort, type BuildOptions, type RunOptions } from './simulator.ts';

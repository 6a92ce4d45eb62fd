import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Verilator compiles and tool runs are slow on 2 cores; per-test timeouts are set
    // generously here rather than asserting speed anywhere (speed belongs in bench/).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // One test file per core, not vitest's default of one fewer than the cores: the time goes
    // into child processes (Verilator, g++, Yosys, nextpnr), not into the workers themselves,
    // and on a 2-core machine the default would run every file one after another.
    maxWorkers: Math.max(2, availableParallelism()),
    minWorkers: 1,
  },
});

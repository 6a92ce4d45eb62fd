import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Verilator compiles and tool runs are slow on 2 cores; per-test timeouts are set
    // generously here rather than asserting speed anywhere (speed belongs in bench/).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});

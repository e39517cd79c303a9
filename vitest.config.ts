import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The renderer imports the contract as @shared, as in electron.vite.config.ts.
  resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
  test: {
    include: ['tests/**/*.test.ts'],
    // CI and the team's machines run the suite on 2 busy cores, where a model or browser test can
    // take ten times its quiet time: timeouts catch hangs, not slowness.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // expect.poll waits for a condition (a UI state, a file, a row); its 1 s default is a timed assertion.
    expect: { poll: { timeout: 30_000 } },
    // Native readers (OpenSlide via koffi, sharp) and onnxruntime share the process badly with
    // thread workers; forks keep each file in its own process.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});

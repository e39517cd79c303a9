import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The renderer imports the contract as @shared, as in electron.vite.config.ts.
  resolve: { alias: { '@shared': resolve(__dirname, 'src/shared') } },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native readers (OpenSlide via koffi, sharp) and onnxruntime share the process badly with
    // thread workers; forks keep each file in its own process.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});

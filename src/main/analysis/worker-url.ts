/**
 * Starting the slide-inference worker. From the electron-vite bundle it is the compiled
 * `slide-infer-worker.js` next to the bundle's main file (the build lists
 * src/main/workers/slide-infer-worker.ts as an input of that name). From source (tests, the CLI
 * and benches run TypeScript through tsx) the entry is TypeScript: Node 20 does not apply
 * `--import tsx` given in a worker's execArgv, so a two-line bootstrap registers tsx's hooks in
 * the worker and then imports the entry.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = import.meta.url;
const fromSource = /\.ts$/.test(here);

export function spawnSlideInferWorker(workerData: unknown): Worker {
  if (!fromSource) return new Worker(new URL('./slide-infer-worker.js', here), { workerData });
  const tsxApi = pathToFileURL(join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = new URL('../workers/slide-infer-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Where the worker entry points are and how to start them, from source or from a bundle.
 *
 * From source (tests, benches, the CLI before it is built) the entries are TypeScript and need
 * tsx's loader: a forked child takes it as `--import`; a worker thread does not apply execArgv's
 * `--import` on Node 20, so a two-line bootstrap registers tsx's hooks and imports the entry.
 * From a bundle (electron-vite's out/main, which the CLI shares) each worker is an entry of its
 * own, `<name>.js` at the bundle's top level, while this code may sit in a shared chunk one
 * folder below: both places are tried.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

type Entry = 'slide-infer-worker' | 'train-worker' | 'cv-worker' | 'geojson-worker' | 'umap-worker' | 'onnx-session-worker';

const here = import.meta.url;
const fromSource = /\.ts$/.test(here);

function bundledEntry(name: Entry): string {
  const candidates = [new URL(`./${name}.js`, here), new URL(`../${name}.js`, here)].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the ${name} bundle is missing (looked for ${candidates.join(', ')}); rebuild with npm run build`);
  return found;
}

function sourceEntry(name: Entry): string {
  return fileURLToPath(new URL(`./${name}.ts`, here));
}

function tsxResolve(specifier: string): string {
  return createRequire(here).resolve(specifier);
}

export function spawnSlideInferWorker(workerData: unknown): Worker {
  return spawnWorkerThread('slide-infer-worker', workerData);
}

/** A worker thread running one of the thread entries. */
export function spawnWorkerThread(name: Exclude<Entry, 'train-worker' | 'cv-worker'>, workerData: unknown): Worker {
  // Native libraries recurse deeper than a worker's default 4 MB stack allows (onnxruntime
  // overflowed it, a segfault): give worker threads the main thread's room.
  const resourceLimits = { stackSizeMb: WORKER_STACK_MB };
  if (!fromSource) return new Worker(bundledEntry(name), { workerData, resourceLimits });
  const tsxApi = pathToFileURL(join(dirname(tsxResolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = pathToFileURL(sourceEntry(name)).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits });
}

const WORKER_STACK_MB = 64;

/** A child-process worker's script and the execArgv a fork of it needs. */
function forkedWorker(name: 'train-worker' | 'cv-worker'): { path: string; execArgv: string[] } {
  if (!fromSource) return { path: bundledEntry(name), execArgv: [] };
  return { path: sourceEntry(name), execArgv: ['--import', pathToFileURL(tsxResolve('tsx')).href] };
}

/** The training worker's script and the execArgv a fork of it needs. */
export function trainWorker(): { path: string; execArgv: string[] } {
  return forkedWorker('train-worker');
}

/** The cross-validation worker's script and the execArgv a fork of it needs. */
export function cvWorker(): { path: string; execArgv: string[] } {
  return forkedWorker('cv-worker');
}

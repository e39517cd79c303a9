/**
 * Where the training worker entry is and how to start it. From source (tests, the CLI, benches
 * run TypeScript through tsx) the child needs tsx's loader; from the electron-vite bundle it is
 * the compiled `train-worker.js` next to the bundle's main file (the build must list
 * src/main/workers/train-worker.ts as an input of that name).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function trainWorker(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  if (/\.ts$/.test(here)) {
    const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
    return { path: fileURLToPath(new URL('../workers/train-worker.ts', here)), execArgv: ['--import', tsx] };
  }
  return { path: fileURLToPath(new URL('./train-worker.js', here)), execArgv: [] };
}

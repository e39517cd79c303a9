/**
 * Child-process entry for one training run (never the main thread: training blocks its process
 * for seconds at a time). Writes the run's progress to the database itself and reports to the
 * parent over IPC. Cancel: an IPC 'cancel' message, SIGTERM or SIGINT; the run then stops before
 * its next pass (the trainer turns the event loop between passes so that these arrive). When the
 * parent goes away the worker exits at once, leaving the run to be found interrupted (its process
 * gone) and resumed.
 */
import { trainRun } from '../train/trainer.js';
import type { TrainJob, WorkerMessage } from '../train/worker-protocol.js';
import { electronNativeBinding } from '../electron/native-binding.js';
import { ensureHome } from '../home.js';
import { openDb } from '../store/db.js';
import { jobFromParent } from './forked-job.js';

// The parent may be gone: a message that cannot go is dropped.
const { job, signal, send } = jobFromParent<TrainJob, WorkerMessage>();

async function main(): Promise<number> {
  if (!Number.isInteger(job.runId) || typeof job.home !== 'string') throw new Error('train-worker: expected {"runId": N, "home": DIR} as its argument');
  const home = ensureHome(job.home);
  // Electron runs this file as Node with its own ABI: better-sqlite3 needs the matching build there
  const db = openDb(home.db, { nativeBinding: process.versions.electron ? electronNativeBinding() : undefined });
  try {
    const status = await trainRun({
      db,
      homeRoot: home.root,
      runsRoot: home.runs,
      runId: job.runId,
      ...(job.executionProviders?.length ? { executionProviders: job.executionProviders } : {}),
      ...(job.providerNote ? { providerNote: job.providerNote } : {}),
      signal: signal,
      onProgress: (progress) => void send({ type: 'progress', progress }),
    });
    await send({ type: 'finished', status });
    return 0;
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  async (e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    await send({ type: 'error', message: e.message });
    process.exit(1);
  },
);

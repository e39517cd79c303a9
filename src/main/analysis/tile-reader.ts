/**
 * The tile-reader role of the slide-inference worker: its own slide handle, reading and
 * preprocessing the batches the inference thread asks for, so that onnxruntime (which runs
 * synchronously on the inference thread) never waits for a read or a resize. Started before the
 * tile plan exists (so its start-up overlaps checkpoint loading), it learns the geometry and the
 * image processor from a 'setup' message.
 */
import type { MessagePort } from 'node:worker_threads';
import { openSlide } from '../slides/open-slide.js';
import { tileBatch } from './tile-pixels.js';
import { errorToWire, type ReaderMessage, type ReaderSetup, type ReadJob, type ReadReply } from './worker-protocol.js';

export async function runTileReader(job: ReadJob, port: MessagePort): Promise<void> {
  const opening = openSlide(job.slidePath, { cacheDir: job.slideCacheDir });
  opening.catch(() => {}); // reported with the first request
  let setup: ReaderSetup | null = null;
  // Requests are served one at a time, in order: the inference thread asks only a few batches ahead.
  let chain: Promise<unknown> = opening;
  const onMessage = (msg: ReaderMessage) => {
    if (msg.type === 'setup') {
      setup = msg;
      return;
    }
    if (msg.type === 'close') {
      port.off('message', onMessage);
      // Once the reads in flight are done and the slide is closed, nothing holds the thread: it ends.
      void chain.finally(() => opening.then((r) => r.close(), () => {}));
      return;
    }
    chain = chain.then(
      () => serve(msg.id, msg.tiles),
      () => serve(msg.id, msg.tiles),
    );
  };
  const serve = async (id: number, tiles: { x: number; y: number }[]) => {
    try {
      if (!setup) throw new Error('tile reader: read before setup');
      const pixels = await tileBatch(await opening, setup, setup, tiles);
      port.postMessage({ type: 'batch', id, pixels } satisfies ReadReply, [pixels.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', id, ...errorToWire(e) } satisfies ReadReply);
    }
  };
  port.on('message', onMessage);
}

/** The explain role of the slide-inference worker: load the model, explain, post the result. */
import type { MessagePort } from 'node:worker_threads';
import type { ExplainResult } from '../../shared/contract/analysis.js';
import { invalidInput } from '../errors.js';
import { loadCheckpoint } from '../ml/models/checkpoint.js';
import { openSlide } from '../slides/open-slide.js';
import { Explainer } from './explain.js';
import { explainImage, explainRegion } from './explain-run.js';
import { errorToWire, type ExplainJob, type ExplainMessage } from './worker-protocol.js';

export async function runExplainJob(job: ExplainJob, port: MessagePort): Promise<void> {
  let ex: Explainer | null = null;
  try {
    ex = await Explainer.load(await loadCheckpoint(job.model), job.engineCacheDir);
    let result: ExplainResult;
    if (job.image !== undefined) result = await explainImage(ex, job.image, job.target);
    else if (job.slide) {
      const reader = await openSlide(job.slide.path, { cacheDir: job.slide.slideCacheDir });
      try {
        result = await explainRegion(ex, reader, job.slide.slideMpp, job.slide.targetMpp, job.slide.region, job.target);
      } finally {
        reader.close();
      }
    } else throw invalidInput('explain: give an image or a slide region');
    port.postMessage({ type: 'result', result } satisfies ExplainMessage);
  } catch (e) {
    port.postMessage({ type: 'error', ...errorToWire(e) } satisfies ExplainMessage);
  } finally {
    await ex?.dispose();
  }
}

/**
 * How many threads train, as `tessella engine --json` says it: the learning layers on the tfjs
 * backend's threads (wasm: what tfjs-backend-wasm reports; native TensorFlow: every core), the
 * frozen part (head mode's backbone, last-k's first blocks) on onnxruntime's (every core), out
 * of this machine's cores.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainingThreads } from '../../../src/main/ml/engine/training-threads.js';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { oneJson } from './fixtures.js';

const home = tempHome('tessella-train-threads-');
afterAll(() => home.cleanup());

describe('threads that train', () => {
  it('are reported by tessella engine, matching the backend it chose', () => {
    const r = tessella(['engine', '--json'], { TESSELLA_HOME: join(home.dir, 'home') });
    expect(r.code, r.stderr).toBe(0);
    const e = oneJson(r.stdout);
    const cores = availableParallelism();
    expect(e.training).toMatchObject({ cores, frozen: e.onnx.threads });
    expect(e.onnx.threads).toBe(cores);
    if (e.tfjs.backend === 'wasm') expect(e.training.network).toBe(e.tfjs.threads);
    if (e.tfjs.backend === 'tensorflow') expect(e.training.network).toBe(cores);
    expect(e.training.summary).toContain(`of ${cores} cores`);
    // last-k's frozen blocks run on onnxruntime, with its threads
    expect(e.training.summary).toContain(`last-k mode computes the frozen blocks on ${e.onnx.threads} thread`);
    const text = tessella(['engine'], { TESSELLA_HOME: join(home.dir, 'home') });
    expect(text.stdout).toMatch(/^training: .*cores/m);
  }, 120_000);

  it('says why wasm trains on fewer threads than there are cores', () => {
    expect(trainingThreads('wasm', 1)).toMatchObject({ network: 1, frozen: availableParallelism() });
    const s = trainingThreads('wasm', 1).summary;
    if (availableParallelism() > 1) expect(s).toMatch(/no threads in Node/);
    expect(trainingThreads('tensorflow').network).toBe(availableParallelism());
    expect(trainingThreads('cpu').network).toBe(1);
  });
});

/**
 * Training's frozen part runs on the engine.provider setting's choice, decided once by the process
 * that queues the run and handed to the worker: a pin to cuda, which cannot load on this machine
 * (its provider libraries are not installed), falls back to cpu, and the run's backend line names
 * cpu and says why. Head mode (frozen backbone embeddings), last-k (frozen prefix) and a backbone
 * run (a head on the backbone's embeddings, through embedFiles), on a few lung patches with the
 * tiny oracle models.
 */
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { RunDetail } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { resolveProvider } from '../../../src/main/ml/engine/providers.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, resnetTiny, vitTiny } from './fixtures.js';

const home = tempHome('tessella-train-provider-');
let ctx: AppContext;
let handlers: Handlers;
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

async function finished(id: number, timeoutMs = 300_000): Promise<RunDetail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r: RunDetail = await call('runs.get', { id });
    if (!['queued', 'running'].includes(r.status)) return r;
    if (Date.now() > end) throw new Error(`run ${id} still ${r.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('the frozen part of training on the engine.provider setting', needs(lung, resnetTiny, vitTiny), () => {
  let datasetId: number;
  let cudaUsable = false;
  beforeAll(async () => {
    const data = join(home.dir, 'few');
    for (const cls of ['lung_aca', 'lung_n', 'lung_scc']) {
      mkdirSync(join(data, cls), { recursive: true });
      for (const f of readdirSync(join(lung!, cls)).sort().slice(0, 3)) cpSync(join(lung!, cls, f), join(data, cls, f));
    }
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    datasetId = (await importDataset(ctx.db, { path: data, name: 'few' })).id;
    ctx.settings.set({ engine: { provider: 'cuda' } });
    cudaUsable = (await resolveProvider({ providers: ['cuda'], source: 'setting' })).chosen === 'cuda';
  }, 120_000);

  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });

  const cases = [
    { mode: 'head', input: () => ({ init: resnetTiny!, mode: 'head', batchSize: 4 }), line: /^onnxruntime cpu, .* \(frozen backbone\) \+ tfjs .*; cuda pinned, not usable here$/ },
    { mode: 'last-k', input: () => ({ init: vitTiny!, mode: 'last-k', batchSize: 4, lastK: 1, augment: null }), line: /\+ onnxruntime cpu, .* \(first \d+ blocks?, frozen\); cuda pinned, not usable here/ },
    { mode: 'backbone', input: () => ({ backbone: resnetTiny! }), line: /^onnxruntime cpu, .* \(embeddings\) \+ TypeScript, 1 thread \(logreg head\); cuda pinned, not usable here$/ },
  ];
  for (const c of cases) {
    it(`${c.mode}: a cuda pin that cannot load here runs on cpu, and the backend line says so`, async (t) => {
      if (cudaUsable) t.skip(); // a machine with CUDA's libraries would honour the pin
      const started: RunDetail = await call('training.start', { datasetId, epochs: 1, seed: 1, ...c.input() });
      const run = await finished(started.id);
      expect(run.status, run.error ?? '').toBe('completed');
      expect(run.backend).toMatch(c.line);
    }, 300_000);
  }
});

describe('the frozen prefix opens its engine on the providers it is given', needs(vitTiny), () => {
  it('asked for cuda, which cannot start here, it runs on cpu', async (t) => {
    const { loadCheckpoint } = await import('../../../src/main/ml/models/checkpoint.js');
    const { planOf } = await import('../../../src/main/ml/arch/index.js');
    const { frozenBlocks } = await import('../../../src/main/ml/plan.js');
    const { FrozenPrefix } = await import('../../../src/main/train/frozen-prefix.js');
    if ((await resolveProvider({ providers: ['cuda'], source: 'setting' })).chosen === 'cuda') t.skip();
    const ckpt = await loadCheckpoint(vitTiny!, { seed: 1 });
    const plan = planOf(ckpt);
    const prefix = await FrozenPrefix.load(ckpt, plan, frozenBlocks(plan, 1), join(home.dir, 'onnx'), ['cuda']);
    try {
      expect(prefix.provider).toBe('cpu');
      // cuda was tried: a prefix opened on cpu alone would have no reason to give
      expect(prefix.fallbackReason).toMatch(/^cuda: /);
    } finally {
      await prefix.dispose();
    }
  }, 120_000);
});

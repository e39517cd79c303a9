/**
 * The models.* and engine.info calls through their handlers, outputs checked against the
 * contract's schemas, on a real data home and database.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { type ApiError, toApiError } from '../../../src/main/dispatch.js';
import { DomainError } from '../../../src/main/errors.js';
import { knownHash, onnxCacheDir } from '../../../src/main/ml/model-cache.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModelHandlers } from '../../../src/main/models/handlers.js';
import { modelCalls } from '../../../src/shared/contract/models.js';
import { tempHome } from '../../helpers/temp-home.js';
import { ORACLE } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-registry-');
let ctx: AppContext;
let h: ReturnType<typeof createModelHandlers>;
beforeAll(() => {
  ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
  h = createModelHandlers(ctx);
});
afterAll(() => {
  ctx?.close();
  home.cleanup();
});

async function call<K extends keyof typeof modelCalls>(name: K, input: unknown) {
  const parsed = modelCalls[name].input.parse(input);
  const out = await (h[name] as (i: unknown) => Promise<unknown>)(parsed);
  return modelCalls[name].output.parse(out) as Awaited<ReturnType<(typeof h)[K]>>;
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(DomainError);
  return toApiError(e);
}

describe('models.*', needs(ORACLE.vit, ORACLE.resnet), () => {
  it('import registers a checkpoint with its hash, labels and input size, and tells the ONNX cache its hash', async () => {
    const vit = await call('models.import', { path: ORACLE.vit });
    const ck = await loadCheckpoint(ORACLE.vit!);
    expect(vit).toMatchObject({ name: 'vit_tiny', arch: 'vit', dir: ORACLE.vit, hash: ck.hash, labels: ['cat', 'dog', 'bird'], inputSize: 32, trainedMpp: null, available: true });
    expect(await knownHash(ORACLE.vit!, { cacheDir: onnxCacheDir(ctx.home.root) })).toBe(ck.hash);

    const resnet = await call('models.import', { path: ORACLE.resnet, name: 'my resnet' });
    expect(resnet).toMatchObject({ name: 'my resnet', arch: 'resnet', inputSize: 64 });

    const list = await call('models.list', {});
    expect(list.models.map((m) => m.name)).toEqual(['my resnet', 'vit_tiny']);
    expect(list.builtins.map((b) => [b.name, b.arch])).toEqual([
      ['vit-b16', 'vit'],
      ['vit-s16', 'vit'],
      ['vit-ti16', 'vit'],
      ['resnet-50', 'resnet'],
      ['resnet-18', 'resnet'],
    ]);

    const again = await call('models.import', { path: ORACLE.vit + '/', name: 'vit_tiny' });
    expect(again.id).toBe(vit.id); // the same folder is refreshed, not added twice
    expect((await call('models.list', {})).models).toHaveLength(2);
  });

  it('get returns config and preprocessor as on disk', async () => {
    const [m] = (await call('models.list', {})).models.filter((x) => x.name === 'vit_tiny');
    const d = await call('models.get', { id: m!.id });
    expect(d.config).toMatchObject({ model_type: 'vit', hidden_size: 48, patch_size: 8 });
    expect(d.preprocessor).toMatchObject({ image_processor_type: 'ViTImageProcessor', size: { height: 32, width: 32 } });
    expect(d.analyses).toBe(0);
    expect((await rejection(call('models.get', { id: 99999 }))).code).toBe('not-found');
  });

  it('refuses a taken name, a missing path, a file and a folder without a checkpoint', async () => {
    const copy = join(home.dir, 'copy-of-vit');
    cpSync(ORACLE.vit!, copy, { recursive: true });
    expect((await rejection(call('models.import', { path: copy, name: 'my resnet' }))).code).toBe('conflict');
    expect((await rejection(call('models.import', { path: join(home.dir, 'nowhere') }))).code).toBe('not-found');
    expect((await rejection(call('models.import', { path: join(copy, 'config.json') }))).code).toBe('invalid-input');
    const empty = join(home.dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    const e = await rejection(call('models.import', { path: empty }));
    expect(e.code).toBe('invalid-checkpoint');
    expect(e.message).toMatch(/model_type "bert" is not supported/);
    expect((await call('models.list', {})).models).toHaveLength(2);
  });

  it('remove needs force when analyses use the model, and then removes them too', async () => {
    const [m] = (await call('models.list', {})).models.filter((x) => x.name === 'my resnet');
    const slide = ctx.db
      .prepare(
        `INSERT INTO slides (path, name, content_hash, file_size, format, reader, width, height, levels_json, properties_json, associated_json)
         VALUES ('/s.svs', 's', 'h', 1, 'svs', 'test', 1, 1, '[]', '{}', '[]')`,
      )
      .run().lastInsertRowid;
    ctx.db.prepare(`INSERT INTO analyses (slide_id, model_id, params_json, status) VALUES (?, ?, '{}', 'completed')`).run(slide, m!.id);
    expect((await call('models.get', { id: m!.id })).analyses).toBe(1);

    const e = await rejection(call('models.remove', { id: m!.id }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/1 stored analysis/);
    expect(await call('models.remove', { id: m!.id, force: true })).toEqual({ removed: true, analysesRemoved: 1 });
    expect((ctx.db.prepare('SELECT COUNT(*) AS n FROM analyses').get() as { n: number }).n).toBe(0);
    expect(await call('models.remove', { id: m!.id })).toEqual({ removed: false, analysesRemoved: 0 });
    expect((await call('models.list', {})).models.map((x) => x.name)).toEqual(['vit_tiny']);
  });
});

describe('engine.info', () => {
  it('matches the contract and names the tfjs backend, the reason and the onnx providers', async () => {
    const info = await call('engine.info', {});
    expect(info.tfjs.backend).not.toBeNull();
    expect(info.tfjs.tried.find((t) => t.ok)?.name).toBeDefined();
    expect(info.onnx.providers.some((p) => p.name === 'cpu' && p.bundled)).toBe(true);
    expect(info.onnx.threads).toBeGreaterThan(0);
  });
});

/**
 * Pulling from the stand-in Hub in this process: files chosen, downloaded, verified, registered
 * and found again offline; a dropped connection resumed with Range; refusals (gated, missing
 * repo or revision, no network) and a corrupt file leave nothing behind; the token goes to the
 * Hub and to same-host redirects only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { DomainError } from '../../../src/main/errors.js';
import { pulledModelFolder, resolveModelRef } from '../../../src/main/ml/hub/resolve.js';
import { repoDir } from '../../../src/main/ml/hub/layout.js';
import { modelKey } from '../../../src/main/analysis/models.js';
import { startPull } from '../../../src/main/models/hub-pull.js';
import { ModelRegistry } from '../../../src/main/models/registry.js';
import { FakeHub, sha256 } from '../../helpers/fake-hub.js';
import { tempHome } from '../../helpers/temp-home.js';
import { DINOV2, MAIN, read, repos, V1, VIT } from './hub-fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-hub-');
let ctx: AppContext;
let hub: FakeHub;

/** The environment a pull sees: the stand-in Hub, and no token unless given. */
const env = (extra: Record<string, string> = {}) => ({ HF_ENDPOINT: hub.endpoint, HF_HOME: join(home.dir, 'hf'), HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', ...extra });

async function pull(id: string, revision?: string, extra: Record<string, string> = {}) {
  const started = await startPull(ctx, { id, ...(revision ? { revision } : {}) }, { env: env(extra) });
  return { plan: started.plan, model: await started.finish() };
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

const registered = () => new ModelRegistry(ctx.db, join(home.dir, 'onnx')).list();
const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  if (!VIT || !DINOV2) return;
  hub = await new FakeHub(repos()).start();
  ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
});
afterAll(async () => {
  ctx?.close();
  await hub?.stop();
  home.cleanup();
});

describe('model pull from the Hub', needs(VIT, DINOV2), () => {
  it('downloads config and safetensors only, verifies them, writes the hint and registers the folder', async () => {
    const { plan, model } = await pull('owkin/phikon');
    expect(plan.commit).toBe(MAIN);
    expect(plan.files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);
    const dir = join(ctx.home.models, 'hub', 'owkin--phikon', MAIN);
    expect(plan.dir).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors', 'tessella_model.json']);
    expect(sha256File(join(dir, 'model.safetensors'))).toBe(sha256(read(VIT!, 'model.safetensors')));
    expect(readFileSync(join(dir, 'config.json'))).toEqual(read(VIT!, 'config.json'));
    // other formats never left the Hub
    for (const other of ['model.onnx', 'flax_model.msgpack', 'pytorch_model.bin', 'open_clip_pytorch_model.bin', 'README.md']) {
      expect(hub.requests({ pathIncludes: `/resolve/` }).some((r) => r.path.endsWith(`/${other}`)), other).toBe(false);
    }
    // the metadata came from a HEAD before each GET
    expect(hub.requests({ method: 'HEAD', pathIncludes: 'owkin/phikon/resolve' }).map((r) => r.path.split('/').pop())).toEqual(['config.json', 'model.safetensors']);

    const hint = JSON.parse(readFileSync(join(dir, 'tessella_model.json'), 'utf8'));
    expect(hint).toMatchObject({
      schema: 'tessella-model-hint/0',
      catalogued: true,
      architecture: 'ViTModel',
      pooling: 'cls',
      mpp: 0.5,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      gated: false,
      license: 'Owkin non-commercial licence',
      source: { repo: 'owkin/phikon', revision: 'main', commit: MAIN, endpoint: hub.endpoint },
      weights: ['model.safetensors'],
    });
    expect(hint.files.map((f: { name: string; etag: string }) => [f.name, f.etag.length])).toEqual([['config.json', 40], ['model.safetensors', 64]]);

    expect(model).toMatchObject({ name: 'owkin/phikon', dir, arch: 'vit', inputSize: 224, trainedMpp: 0.5, source: { repo: 'owkin/phikon', revision: 'main', commit: MAIN } });
    expect(registered().map((m) => m.name)).toContain('owkin/phikon');
    expect(existsSync(join(ctx.home.models, 'hub', 'owkin--phikon', '.downloads'))).toBe(false);
  });

  it('resolves the Hub id to the pulled folder with the Hub gone, in every casing the Hub accepts', async () => {
    const dir = join(ctx.home.models, 'hub', 'owkin--phikon', MAIN);
    expect(pulledModelFolder('owkin/phikon', ctx.home.models)).toBe(dir);
    expect(pulledModelFolder('Owkin/Phikon', ctx.home.models)).toBe(dir);
    expect(modelKey('owkin/phikon', ctx.home.models)).toBe(dir);
    // a Hub-shaped name never pulled says how to pull it
    const e = (() => {
      try {
        resolveModelRef('MahmoodLab/UNI2-h', ctx.home.models);
      } catch (err) {
        return err as DomainError;
      }
    })();
    expect(e?.code).toBe('hub-not-pulled');
    expect(e?.message).toContain('tessella model pull MahmoodLab/UNI2-h');
  });

  it('keeps each revision in its own folder: the id alone is the latest pulled, id@rev the one asked for', async () => {
    const { plan } = await pull('owkin/phikon', 'v1.0');
    expect(plan.commit).toBe(V1);
    const main = join(ctx.home.models, 'hub', 'owkin--phikon', MAIN);
    const v1 = join(ctx.home.models, 'hub', 'owkin--phikon', V1);
    expect(pulledModelFolder('owkin/phikon', ctx.home.models)).toBe(v1);
    expect(pulledModelFolder('owkin/phikon@main', ctx.home.models)).toBe(main);
    expect(pulledModelFolder('owkin/phikon@v1.0', ctx.home.models)).toBe(v1);
    expect(pulledModelFolder(`owkin/phikon@${MAIN}`, ctx.home.models)).toBe(main);
    expect(pulledModelFolder(`owkin/phikon@${MAIN.slice(0, 8)}`, ctx.home.models)).toBe(main);
    expect(pulledModelFolder('owkin/phikon@v2.0', ctx.home.models)).toBeNull();
    expect(registered().find((m) => m.dir === v1)).toMatchObject({ name: 'owkin/phikon@v1.0', source: { revision: 'v1.0', commit: V1 } });

    // pulling main again finds it complete: no download, main is the latest again
    const before = hub.requests({ method: 'GET', server: 'cdn' }).length;
    const again = await pull('owkin/phikon');
    expect(again.plan.present).toBe(true);
    expect(hub.requests({ method: 'GET', server: 'cdn' }).length).toBe(before);
    expect(pulledModelFolder('owkin/phikon', ctx.home.models)).toBe(main);
  });

  it('says when the revision does not exist', async () => {
    const e = await refusal(pull('owkin/phikon', 'no-such-branch'));
    expect(e).toMatchObject({ kind: 'not-found', code: 'hub-revision-not-found' });
    expect(e.message).toBe('owkin/phikon has no revision "no-such-branch" on the Hub');
  });

  it('resumes a connection dropped mid-file with Range and verifies the whole file', async () => {
    const size = read(DINOV2!, 'model.safetensors').length;
    hub.dropOnce('model.safetensors', 100_000);
    const { plan } = await pull('owkin/phikon-v2');
    const gets = hub.requests({ server: 'cdn', method: 'GET' }).filter((r) => r.path.includes(sha256(read(DINOV2!, 'model.safetensors'))));
    // the second GET asks for the rest, from what the first left in the .incomplete file
    expect(gets).toHaveLength(2);
    expect(gets[0]!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(100_000);
    expect(sha256File(join(plan.dir, 'model.safetensors'))).toBe(sha256(read(DINOV2!, 'model.safetensors')));
    expect(readFileSync(join(plan.dir, 'model.safetensors')).length).toBe(size);
    expect(readdirSync(plan.dir).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json', 'tessella_model.json']);
    const hint = JSON.parse(readFileSync(join(plan.dir, 'tessella_model.json'), 'utf8'));
    expect(hint).toMatchObject({ architecture: 'Dinov2Model', family: 'transformers-dinov2', pooling: 'cls' });
    expect(hint.mpp).toBeNull();
  });

  it('removes a file that fails its sha256 check and registers nothing', async () => {
    hub.corrupt('model-00002-of-00002.safetensors');
    const e = await refusal(pull('tiny-org/sharded'));
    expect(e).toMatchObject({ kind: 'corrupt', code: 'hub-checksum' });
    expect(e.message).toMatch(/^model-00002-of-00002\.safetensors failed verification/);
    const repo = repoDir(ctx.home.models, 'tiny-org/sharded');
    expect(existsSync(join(repo, MAIN))).toBe(false);
    expect(existsSync(join(repo, '.downloads'))).toBe(false);
    expect(registered().some((m) => m.name === 'tiny-org/sharded')).toBe(false);
    expect(pulledModelFolder('tiny-org/sharded', ctx.home.models)).toBeNull();
  });

  it('pulls sharded safetensors as the index and the shards it names, not the .bin', async () => {
    const fresh = new FakeHub(repos());
    await fresh.start();
    try {
      const started = await startPull(ctx, { id: 'tiny-org/sharded' }, { env: { ...env(), HF_ENDPOINT: fresh.endpoint } });
      expect(started.plan.files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
      await started.finish();
      expect(readdirSync(started.plan.dir).sort()).toEqual(['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'tessella_model.json']);
      expect(JSON.parse(readFileSync(join(started.plan.dir, 'tessella_model.json'), 'utf8'))).toMatchObject({ catalogued: false, weights: ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'] });
    } finally {
      await fresh.stop();
    }
  });

  it('refuses a repo without weights it reads', async () => {
    const e = await refusal(pull('tiny-org/no-weights'));
    expect(e).toMatchObject({ kind: 'unsupported', code: 'hub-no-weights' });
  });

  it('says a gated repo needs its licence accepted and HF_TOKEN, or that the token has no access yet', async () => {
    const none = await refusal(pull('MahmoodLab/UNI'));
    expect(none).toMatchObject({ kind: 'unauthorized', code: 'hub-gated' });
    expect(none.message).toBe(`MahmoodLab/UNI is gated: accept its licence on ${hub.endpoint}/MahmoodLab/UNI and set HF_TOKEN`);

    const without = await refusal(pull('MahmoodLab/UNI', undefined, { HF_TOKEN: 'hf_noaccess' }));
    expect(without).toMatchObject({ kind: 'forbidden', code: 'hub-gated-no-access' });
    expect(without.message).toMatch(/^MahmoodLab\/UNI is gated and your token has no access to it yet/);
    expect(without.message).not.toContain('hf_noaccess');
    expect(existsSync(join(repoDir(ctx.home.models, 'MahmoodLab/UNI'), MAIN))).toBe(false);

    hub.tokens.set('hf_granted', ['MahmoodLab/UNI']);
    const { model } = await pull('MahmoodLab/UNI', undefined, { HF_TOKEN: 'hf_granted' });
    expect(model.name).toBe('MahmoodLab/UNI');
    const hint = JSON.parse(readFileSync(join(model.dir, 'tessella_model.json'), 'utf8'));
    expect(hint).toMatchObject({ gated: true, timm_create_model_extra_kwargs: { init_values: 1e-5, dynamic_img_size: true }, license: 'CC-BY-NC-ND-4.0' });
  });

  it('sends the token to the Hub, keeps it on a same-host redirect and drops it for the CDN on another host', async () => {
    hub.tokens.set('hf_redirects', []);
    const mark = hub.log.length;
    // old-org/tiny-vit was renamed: the Hub answers with a relative redirect to new-org/tiny-vit
    await pull('old-org/tiny-vit', undefined, { HF_TOKEN: 'hf_redirects' });
    const log = hub.log.slice(mark);
    const toHub = log.filter((l) => l.server === 'hub');
    expect(toHub.some((l) => l.path.startsWith('/new-org/tiny-vit/resolve/'))).toBe(true);
    expect(toHub.every((l) => l.authorization === 'Bearer hf_redirects')).toBe(true);
    const toCdn = log.filter((l) => l.server === 'cdn');
    expect(toCdn.length).toBeGreaterThan(0);
    expect(toCdn.every((l) => l.authorization === undefined)).toBe(true);
  });

  it('reads the token from HUGGING_FACE_HUB_TOKEN when HF_TOKEN is not set', async () => {
    hub.tokens.set('hf_from_env2', ['MahmoodLab/UNI']);
    const started = await startPull(ctx, { id: 'MahmoodLab/UNI' }, { env: { ...env(), HUGGING_FACE_HUB_TOKEN: 'hf_from_env2' } });
    expect(started.plan.present).toBe(true);
  });

  it('says a missing repo is not found, and an unreachable Hub in one line', async () => {
    const missing = await refusal(pull('nobody/nothing'));
    expect(missing).toMatchObject({ kind: 'not-found', code: 'hub-repo-not-found' });
    expect(missing.message).toMatch(/^nobody\/nothing not found on the Hub/);

    const closed = new FakeHub([]);
    await closed.start();
    const dead = closed.endpoint;
    await closed.stop();
    const e = await refusal(startPull(ctx, { id: 'owkin/phikon' }, { env: { ...env(), HF_ENDPOINT: dead } }));
    expect(e).toMatchObject({ kind: 'unavailable', code: 'hub-unreachable', message: `cannot reach the Hub at ${dead}` });
  });
});

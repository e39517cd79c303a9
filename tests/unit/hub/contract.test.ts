/**
 * models.catalogue, models.pull, models.pullCancel and the models.pullProgress events through the
 * contract (inputs validated, outputs as declared), against the stand-in Hub.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../../src/shared/api.js';
import { CatalogueModel, PullProgress, PullStarted } from '../../../src/shared/contract/models.js';
import { stagingDir, repoDir } from '../../../src/main/ml/hub/layout.js';
import { FakeHub } from '../../helpers/fake-hub.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { DINOV2, MAIN, repos, VIT } from './hub-fixtures.js';
import { needs } from '../../helpers/needs.js';

const api = inProcessContract('tessella-hub-contract-');
let hub: FakeHub;
const saved: Record<string, string | undefined> = {};
const HF_VARS = ['HF_ENDPOINT', 'HF_HOME', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const;

beforeAll(async () => {
  if (!VIT || !DINOV2) return;
  hub = await new FakeHub(repos()).start();
  // the handlers read the environment as a user's shell would set it
  for (const k of HF_VARS) saved[k] = process.env[k];
  Object.assign(process.env, { HF_ENDPOINT: hub.endpoint, HF_HOME: join(api.dir, 'hf'), HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '' });
});
afterAll(async () => {
  for (const k of HF_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await hub?.stop();
});

/** Every models.pullProgress event of a job until it ends. */
function events(jobId: string): Promise<PullProgress[]> {
  const seen: PullProgress[] = [];
  return new Promise((resolve) => {
    const off = api.ctx.events.onAny((name: EventName, payload: unknown) => {
      if (name !== 'models.pullProgress') return;
      const p = PullProgress.parse(payload);
      if (p.jobId !== jobId) return;
      seen.push(p);
      if (p.state !== 'running') {
        off();
        resolve(seen);
      }
    });
  });
}

describe('models.pull through the contract', needs(VIT, DINOV2), () => {
  it('lists the catalogue with what is pulled', async () => {
    const { models } = await api.call('models.catalogue', {});
    for (const m of models) CatalogueModel.parse(m);
    expect(models.find((m) => m.id === 'paige-ai/Virchow2')).toMatchObject({ pooling: 'cls+mean', registers: 4, embeddingDim: 2560, pulled: [] });
  });

  it('starts a job, streams byte progress and ends with the registered model', async () => {
    const ended = events('pull-1');
    const started = PullStarted.parse(await api.call('models.pull', { id: 'owkin/phikon-v2', jobId: 'pull-1' }));
    expect(started).toMatchObject({ jobId: 'pull-1', id: 'owkin/phikon-v2', revision: 'main', commit: MAIN, present: false });
    expect(started.files.map((f) => f.name)).toEqual(['config.json', 'preprocessor_config.json', 'model.safetensors']);
    expect(started.licence).toMatch(/^Phikon-v2 \(owkin\/phikon-v2\): licence Owkin non-commercial licence; not gated$/);
    const seen = await ended;
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ state: 'completed', done: started.totalBytes, total: started.totalBytes, model: { name: 'owkin/phikon-v2', source: { commit: MAIN } } });
    const running = seen.filter((p) => p.state === 'running' && p.phase === 'download');
    expect(running.length).toBeGreaterThan(0);
    for (let i = 1; i < running.length; i++) expect(running[i]!.done).toBeGreaterThanOrEqual(running[i - 1]!.done);
    const { models } = await api.call('models.list', {});
    expect(models.find((m) => m.name === 'owkin/phikon-v2')).toMatchObject({ available: true, source: { repo: 'owkin/phikon-v2', revision: 'main', commit: MAIN } });
    expect((await api.call('models.catalogue', {})).models.find((m) => m.id === 'owkin/phikon-v2')!.pulled).toEqual([MAIN]);
  });

  it('refuses a gated repo at the call, before any job starts', async () => {
    await expect(api.call('models.pull', { id: 'MahmoodLab/UNI' })).rejects.toMatchObject({ code: 'hub-gated' });
    await expect(api.call('models.pull', { id: 'not an id' })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('cancels a pull, keeping the bytes fetched, and the next pull resumes them', async () => {
    hub.stallOnce('model.safetensors', 50_000);
    const ended = events('pull-2');
    await api.call('models.pull', { id: 'owkin/phikon', jobId: 'pull-2' });
    const staging = stagingDir(repoDir(api.ctx.home.models, 'owkin/phikon'), MAIN);
    // wait until the stalled bytes are on disk, then cancel
    const part = join(staging, 'model.safetensors.incomplete');
    const written = () => (existsSync(part) ? statSync(part).size : 0);
    for (let i = 0; i < 2400 && written() < 50_000; i++) await new Promise((r) => setTimeout(r, 25));
    expect(written()).toBe(50_000);
    expect(await api.call('models.pullCancel', { jobId: 'pull-2' })).toEqual({ cancelled: true });
    const last = (await ended).at(-1)!;
    expect(last).toMatchObject({ state: 'cancelled', code: 'cancelled' });
    expect(readdirSync(staging)).toContain('model.safetensors.incomplete');
    expect((await api.call('models.list', {})).models.some((m) => m.name === 'owkin/phikon')).toBe(false);
    expect(await api.call('models.pullCancel', { jobId: 'pull-2' })).toEqual({ cancelled: false });

    const again = events('pull-3');
    await api.call('models.pull', { id: 'owkin/phikon', jobId: 'pull-3' });
    expect((await again).at(-1)).toMatchObject({ state: 'completed', model: { name: 'owkin/phikon' } });
    const ranged = hub.requests({ server: 'cdn', method: 'GET' }).filter((r) => r.path.includes('model.safetensors') && r.range);
    expect(ranged.length).toBe(1);
    expect(ranged[0]!.range).toBe('bytes=50000-');
  });
});

/**
 * models.try through the dispatch, as the Models page calls it: a classifier's top classes are the
 * softmax of the oracle's logits, a bare backbone's embedding has the oracle's width and norm, and
 * a missing image or model is one clear line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { createModelHandlers } from '../../../src/main/models/handlers.js';
import { needs } from '../../helpers/needs.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';

const vitTiny = sharedPath('oracle/vit_tiny');
const dinov2 = sharedPath('oracle/fm/hf_dinov2');
const home = tempHome('tessella-models-try-');

describe('models.try', { ...needs(vitTiny, dinov2), timeout: 120_000 }, () => {
  let ctx: AppContext;
  let call: (name: string, input: unknown) => Promise<any>;
  let classifier: number;
  let backbone: number;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    const handlers = createModelHandlers(ctx) as unknown as Handlers;
    call = (name, input) => dispatch(handlers, name, input);
    classifier = (await call('models.import', { path: vitTiny, name: 'vit_tiny' })).id;
    backbone = (await call('models.import', { path: dinov2, name: 'dinov2' })).id;
  }, 120_000);
  afterAll(() => {
    ctx?.db.close();
    home.cleanup();
  });

  it('gives a classifier\'s classes, most probable first, as the softmax of the reference logits', async () => {
    const r = await call('models.try', { id: classifier, path: join(vitTiny!, 'image_0.png') });
    const logits: number[] = JSON.parse(readFileSync(join(vitTiny!, 'logits.json'), 'utf8')).logits[0];
    const e = logits.map((v) => Math.exp(v));
    const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    expect(r.model).toEqual({ id: classifier, name: 'vit_tiny' });
    expect(r.top.map((t: { label: string }) => t.label)).toEqual(['dog', 'cat', 'bird']);
    for (const t of r.top as { label: string; probability: number }[]) expect(t.probability).toBeCloseTo(p[['cat', 'dog', 'bird'].indexOf(t.label)]!, 4);
    expect(r.seconds).toBeGreaterThan(0);
    const top1 = await call('models.try', { id: classifier, path: join(vitTiny!, 'image_0.png'), topk: 1 });
    expect(top1.top).toHaveLength(1);
  });

  it('gives a bare backbone\'s embedding size and norm', async () => {
    const r = await call('models.try', { id: backbone, path: join(dinov2!, 'image_0.png') });
    const ref = new Float32Array(Uint8Array.from(readFileSync(join(dinov2!, 'features.f32'))).buffer); // a small read may sit in a pooled buffer
    const dim = ref.length / 2;
    const norm = Math.sqrt(ref.subarray(0, dim).reduce((a, v) => a + v * v, 0));
    expect(r.top).toBeNull();
    expect(r.embedding.dim).toBe(dim);
    expect(r.embedding.norm).toBeCloseTo(norm, 3);
    expect(r.backend).toMatch(/cpu/i);
  });

  it('says which file or model is missing', async () => {
    await expect(call('models.try', { id: backbone, path: join(home.dir, 'nope.png') })).rejects.toThrow(/nope\.png: no such image file/);
    await expect(call('models.try', { id: backbone, path: home.dir })).rejects.toThrow(/not a file/);
    await expect(call('models.try', { id: 9999, path: join(dinov2!, 'image_0.png') })).rejects.toThrow(/no model with id 9999/);
  });
});

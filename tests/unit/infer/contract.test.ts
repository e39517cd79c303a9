/** The analysis.* calls through dispatch, as the app and browser mode reach them. */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { execFileSync } from 'node:child_process';
import { startServices, stopServices } from '../../../src/main/services';
import { dispatch } from '../../../src/main/dispatch';
import { createHandlers } from '../../../src/main/handlers';
import type { Handlers } from '../../../src/shared/api';
import type { Analysis, AnalysisProgress, ExplainResult, TissueResult } from '../../../src/shared/contract/analysis';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';
import { waitUntil } from '../../helpers/wait-until.js';

const svs = sharedPath(SLIDES.svs);
const ihc = sharedPath(SLIDES.ihc);
const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');

describe('analysis calls', { ...needs(svs, ihc, vitTiny, resnetTiny), timeout: 180_000 }, () => {
  const home = tempHome('tessella-analysis-calls-');
  let ctx: AppContext;
  let h: Handlers;
  let svsId: number;
  let ihcId: number;
  const events: AnalysisProgress[] = [];
  const call = <T>(name: string, input: unknown) => dispatch(h, name, input) as Promise<T>;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'browser', home: home.dir });
    startServices(ctx);
    ctx.events.onAny((name, p) => name === 'analysis.progress' && events.push(p as AnalysisProgress));
    h = createHandlers(ctx);
    svsId = (await ctx.slides.ensure(svs!)).id;
    ihcId = (await ctx.slides.ensure(ihc!)).id;
  });
  afterAll(async () => {
    await stopServices(ctx);
    ctx.close();
    home.cleanup();
  });

  it('analysis.tissue returns the mask as an overlay, with Otsu’s thresholds or the ones given', async () => {
    const t = await call<TissueResult>('analysis.tissue', { slideId: svsId });
    expect([t.width, t.height]).toEqual([138, 185]);
    expect(t.maskMpp).toBeCloseTo(8, 0);
    expect(t.tissueFraction).toBeGreaterThan(0.3);
    const meta = await sharp(Buffer.from(t.png, 'base64')).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([138, 185, 4]);
    const strict = await call<TissueResult>('analysis.tissue', { slideId: svsId, tissue: { method: 'saturation', saturationThreshold: 0.6 } });
    expect(strict.thresholds.saturation).toBeCloseTo(0.6, 2);
    expect(strict.tissueFraction).toBeLessThan(t.tissueFraction);
    await expect(call('analysis.tissue', { slideId: svsId, tissue: { method: 'magic' } })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('analysis.plan says what a slide without mpp needs; analysis.setSlideMpp supplies it', async () => {
    expect(await call('analysis.plan', { slideId: ihcId, model: vitTiny })).toMatchObject({ needsSlideMpp: true, grid: null });
    await expect(call('analysis.enqueue', { slideIds: [ihcId], model: vitTiny })).rejects.toMatchObject({ code: 'needs-mpp' });
    expect(await call('analysis.setSlideMpp', { slideId: ihcId, mpp: 0.5 })).toEqual({ slideId: ihcId, mpp: { x: 0.5, y: 0.5 } });
    const plan = await call<{ grid: { targetMpp: number; tileSize: number; tiles: number } }>('analysis.plan', { slideId: ihcId, model: vitTiny, params: { magnification: 5 } });
    expect(plan.grid).toMatchObject({ targetMpp: 2, tileSize: 128, tiles: 16 });
    await expect(call('analysis.plan', { slideId: ihcId, model: '/no/such/model' })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('enqueue, cancel, resume and remove an analysis', async () => {
    const { analyses } = await call<{ analyses: Analysis[] }>('analysis.enqueue', { slideIds: [ihcId], model: vitTiny, params: { mpp: 2 } });
    const id = analyses[0]!.id;
    expect(await call('analysis.cancel', { id })).toEqual({ cancelled: true });
    const stopped = await call<Analysis>('analysis.get', { id });
    expect(['cancelled', 'completed']).toContain(stopped.status); // a tiny slide may finish first
    const resumed = await call<Analysis>('analysis.resume', { id });
    expect(['queued', 'running', 'completed']).toContain(resumed.status);
    await waitUntil(() => events.some((e) => e.analysisId === id && e.status === 'completed'));
    const done = await call<Analysis>('analysis.get', { id });
    expect(done).toMatchObject({ status: 'completed', done: done.total });
    expect((await call<Analysis[]>('analysis.list', { slideId: ihcId })).map((a) => a.id)).toEqual([id]);
    // The same request again reuses it.
    expect((await call<{ analyses: Analysis[] }>('analysis.enqueue', { slideIds: [ihcId], model: vitTiny, params: { mpp: 2 } })).analyses[0]).toMatchObject({ id, status: 'completed' });
    expect(await call('analysis.remove', { id })).toEqual({ removed: true });
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE analysis_id = ?').get(id)).toEqual({ n: 0 });
    await expect(call('analysis.get', { id })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('analysis.cancel and analysis.resume act on an analysis whose process died', async () => {
    events.length = 0; // ids are reused after a remove: only this analysis's events count
    const { analyses } = await call<{ analyses: Analysis[] }>('analysis.enqueue', { slideIds: [ihcId], model: vitTiny, params: { mpp: 4 } });
    const id = analyses[0]!.id;
    await waitUntil(() => events.some((e) => e.analysisId === id && e.status === 'completed'));
    const total = (await call<Analysis>('analysis.get', { id })).total!;
    // As a kill -9 leaves it: 'running', owned by a pid that no longer exists, one tile stored.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    const crash = () => {
      ctx.db.prepare('DELETE FROM predictions WHERE analysis_id = ? AND (x, y) != (SELECT x, y FROM predictions WHERE analysis_id = ? ORDER BY y, x LIMIT 1)').run(id, id);
      ctx.db.prepare("UPDATE analyses SET status = 'running', pid = ?, tiles_done = 1, summary_json = NULL WHERE id = ?").run(dead, id);
    };

    crash();
    expect(await call('analysis.cancel', { id })).toEqual({ cancelled: true });
    expect(await call<Analysis>('analysis.get', { id })).toMatchObject({ status: 'cancelled', done: 1 });

    crash();
    events.length = 0;
    expect(['queued', 'running']).toContain((await call<Analysis>('analysis.resume', { id })).status);
    await waitUntil(() => events.some((e) => e.analysisId === id && e.status === 'completed'));
    expect(await call<Analysis>('analysis.get', { id })).toMatchObject({ status: 'completed', done: total, total });
  });

  it('analysis.explain stitches Grad-CAM over a slide region in a worker', async () => {
    const r = await call<ExplainResult>('analysis.explain', { model: resnetTiny, slideId: svsId, region: { x: 300, y: 1200, w: 400, h: 300 }, params: { mpp: 2 } });
    // 2 µm/px x 64 px = 257 px tiles: columns 1..2, rows 4..5.
    expect(r).toMatchObject({ method: 'grad-cam', tiles: 4, extent: { x: 257, y: 1028, w: 514, h: 514 } });
    expect([r.maps[0]!.rows, r.maps[0]!.cols]).toEqual([16, 16]);
    expect(Math.max(...r.maps[0]!.values)).toBe(1);
    await expect(call('analysis.explain', { model: resnetTiny, slideId: svsId })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(call('analysis.explain', { model: resnetTiny, slideId: svsId, region: { x: 99_999, y: 0, w: 10, h: 10 }, params: { mpp: 2 } })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

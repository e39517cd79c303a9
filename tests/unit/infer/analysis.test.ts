/**
 * Slide inference end to end on CMU-1-Small-Region.svs with the oracle's vit_tiny (32 px input,
 * 3 labels) at 4 µm/px (257 px tiles, a 9 x 12 grid): through the worker, into SQLite, and out
 * again as exports; cancel and resume; the background queue and crash recovery.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/main/analysis/aggregate';
import { engineCacheDir } from '../../../src/main/analysis/run-analysis';
import { softmax } from '../../../src/main/analysis/probs';
import { AnalysisService, analysisService, NeedsMppError } from '../../../src/main/analysis/service';
import { detectSlideTissue } from '../../../src/main/analysis/slide-tissue';
import { tileBatch } from '../../../src/main/analysis/tile-pixels';
import { gridTiles, planGrid } from '../../../src/main/analysis/tiling';
import { parseGeoJson } from '../../../src/main/annotations/geojson';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { createHandlers } from '../../../src/main/handlers';
import { dispatch } from '../../../src/main/dispatch';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint';
import { OnnxEngine } from '../../../src/main/ml/onnx/session';
import { openSlide } from '../../../src/main/slides/open-slide';
import { thumbnailSize } from '../../../src/main/slides/thumbnail';
import type { PredictionRow } from '../../../src/main/store/analysis-repo';
import type { AnalysisProgress } from '../../../src/shared/contract/analysis';
import { TissueParams } from '../../../src/shared/contract/analysis';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';
import { waitUntil } from '../../helpers/wait-until.js';

const svs = sharedPath(SLIDES.svs);
const ihc = sharedPath(SLIDES.ihc);
const vitTiny = sharedPath('oracle/vit_tiny');

/** Every stored tile's probabilities against the engine run here on the same tile's pixels. */
async function expectEngineAgrees(ctx: AppContext, rows: PredictionRow[], grid: { level: number; readSize: number; inputSize: number }): Promise<void> {
  const ck = await loadCheckpoint(vitTiny!);
  const engine = await OnnxEngine.load(ck, { cacheDir: engineCacheDir(ctx.home) });
  const reader = await openSlide(svs!, { cacheDir: ctx.home.slideCache });
  try {
    const out = await engine.run(await tileBatch(reader, ck, grid, rows), rows.length);
    let worst = 0;
    rows.forEach((r, i) => {
      const p = softmax(out.logits[i]!);
      p.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - r.probs[c]!))));
      expect(r.label).toBe(p.indexOf(Math.max(...p)));
    });
    expect(worst).toBeLessThan(1e-6);
  } finally {
    reader.close();
    await engine.dispose();
  }
}

describe('slide analysis', { ...needs(svs, ihc, vitTiny), timeout: 300_000 }, () => {
  const home = tempHome('tessella-infer-');
  let ctx: AppContext;
  let svc: AnalysisService;
  let slideId: number;
  const events: AnalysisProgress[] = [];

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: home.dir });
    ctx.events.onAny((name, p) => name === 'analysis.progress' && events.push(p as AnalysisProgress));
    svc = analysisService(ctx);
    slideId = (await ctx.slides.ensure(svs!)).id;
  });
  afterAll(async () => {
    await svc.queue.stop();
    ctx.close();
    home.cleanup();
  });

  it('classifies exactly the tissue tiles, as the engine does on their pixels, and reuses the result', async () => {
    const r = await svc.analyze(slideId, vitTiny!, { mpp: 4 });
    const a = r.analysis;
    expect(a.status).toBe('completed');
    expect(a.grid).toMatchObject({ tileSize: 257, stride: 257, level: 0, readSize: 257, inputSize: 32, cols: 9, rows: 12, tiles: 108 });
    expect(r.tiles).toBe(a.grid!.tissueTiles);
    expect(a.done).toBe(a.total);

    // The stored tiles are the grid tiles whose tissue fraction reaches minTissue (0.25).
    const reader = await openSlide(svs!, { cacheDir: ctx.home.slideCache });
    const expected = gridTiles(planGrid(reader.metadata, 0.499, 4, 32, 0), await detectSlideTissue(reader, 0.499, TissueParams.parse({}))).filter((t) => t.tissue >= 0.25);
    reader.close();
    const rows = svc.repo.predictions(a.id);
    expect(rows.map((t) => `${t.x},${t.y}`)).toEqual(expected.map((t) => `${t.x},${t.y}`));
    expect(rows.map((t) => t.tissue)).toEqual(expected.map((t) => t.tissue));
    await expectEngineAgrees(ctx, rows, a.grid!);

    // Summary: the mean-probability label over the stored tiles.
    expect(a.summary).toMatchObject(aggregate(rows, a.model.labels));
    expect(a.summary!.tilesPerSecond).toBeGreaterThan(0);
    expect(events.some((e) => e.analysisId === a.id && e.status === 'completed' && e.done === a.total)).toBe(true);

    const again = await svc.analyze(slideId, vitTiny!, { mpp: 4 });
    expect(again.reused).toBe(true);
    expect(again.analysis.id).toBe(a.id);
  });

  it('serves tiles by viewport and exports heatmap, CSV and QuPath GeoJSON', async () => {
    const handlers = createHandlers(ctx);
    const [a] = await dispatch(handlers, 'analysis.list', { slideId }) as { id: number; grid: { tileSize: number } }[];
    const all = await dispatch(handlers, 'analysis.tiles', { id: a!.id }) as { labels: string[]; total: number; tiles: { x: number; y: number; probs: number[] }[] };
    expect(all.labels).toEqual(['cat', 'dog', 'bird']);
    expect(all.tiles).toHaveLength(all.total);
    const view = await dispatch(handlers, 'analysis.tiles', { id: a!.id, bbox: { minX: 800, minY: 800, maxX: 1200, maxY: 1000 } }) as typeof all;
    expect(view.tiles.length).toBeGreaterThan(0);
    for (const t of view.tiles) expect(t.x < 1200 && t.x + 257 > 800 && t.y < 1000 && t.y + 257 > 800).toBe(true);
    expect(view.total).toBe(all.tiles.filter((t) => t.x < 1200 && t.x + 257 > 800 && t.y < 1000 && t.y + 257 > 800).length);
    await expect(dispatch(handlers, 'analysis.enqueue', { slideIds: [slideId], model: vitTiny, params: { mpp: 1, magnification: 20 } })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(dispatch(handlers, 'analysis.slideLabel', { id: a!.id, positiveClass: 'zebra' })).rejects.toMatchObject({ code: 'invalid-input' });

    const out = join(home.dir, 'export');
    const files = await dispatch(handlers, 'analysis.export', { id: a!.id, dir: out }) as Record<string, string>;
    const rows = svc.repo.predictions(a!.id);
    const heat = await sharp(files.heatmap!).metadata();
    expect([heat.width, heat.height]).toEqual(Object.values(thumbnailSize(2220, 2967, 512)));
    const csv = readFileSync(files.csv!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('x,y,width,height,tissue,label,p_cat,p_dog,p_bird');
    expect(csv).toHaveLength(rows.length + 1);
    const [x, y, w, , , label, ...p] = csv[1]!.split(',');
    expect([+x!, +y!, +w!]).toEqual([rows[0]!.x, rows[0]!.y, 257]);
    expect(label).toBe(['cat', 'dog', 'bird'][rows[0]!.label]);
    p.forEach((v, c) => expect(+v).toBeCloseTo(rows[0]!.probs[c]!, 5));

    // The annotation importer (QuPath GeoJSON) reads the tiles back.
    const features = parseGeoJson(readFileSync(files.geojson!, 'utf8'));
    expect(features).toHaveLength(rows.length);
    expect(features.every((f) => f.objectType === 'tile')).toBe(true);
    const f0 = features[0]!;
    expect(f0.geometry).toEqual({ type: 'Polygon', coordinates: [[[rows[0]!.x, rows[0]!.y], [rows[0]!.x + 257, rows[0]!.y], [rows[0]!.x + 257, rows[0]!.y + 257], [rows[0]!.x, rows[0]!.y + 257], [rows[0]!.x, rows[0]!.y]]] });
    expect(f0.classification?.name).toBe(label);
    expect((f0.measurements as Record<string, number>).dog).toBeCloseTo(rows[0]!.probs[1]!, 5);
    // Tile ids are stable: importing a re-export replaces rather than duplicates.
    const again = await dispatch(handlers, 'analysis.export', { id: a!.id, dir: join(home.dir, 'export-again') }) as Record<string, string>;
    expect(parseGeoJson(readFileSync(again.geojson!, 'utf8')).map((f) => f.id)).toEqual(features.map((f) => f.id));
    expect(new Set(features.map((f) => f.id)).size).toBe(features.length);
    const summary = JSON.parse(readFileSync(files.summary!, 'utf8'));
    expect(summary).toMatchObject({ analysisId: a!.id, tiles: 108, tissueTiles: rows.length, heatmap: { width: heat.width, height: heat.height } });
  });

  it('says when a slide has no mpp, and uses the one the user sets', async () => {
    const png = (await ctx.slides.ensure(ihc!)).id;
    await expect(svc.analyze(png, vitTiny!, { mpp: 4 })).rejects.toBeInstanceOf(NeedsMppError);
    expect(await svc.plan(png, vitTiny!, { mpp: 4 })).toMatchObject({ needsSlideMpp: true, grid: null });
    svc.setSlideMpp(png, 0.5);
    const plan = await svc.plan(png, vitTiny!, { mpp: 4 });
    expect(plan.grid).toMatchObject({ slideMpp: 0.5, tileSize: 256, cols: 2, rows: 2, tiles: 4 });
  });

  it('resumes a cancelled analysis from the tiles not yet stored', async () => {
    const abort = new AbortController();
    const first = await svc.analyze(slideId, vitTiny!, { mpp: 3 }, {
      batchSize: 2,
      signal: abort.signal,
      onProgress: (p) => p.done >= 4 && abort.abort(),
    });
    expect(first.cancelled).toBe(true);
    const stopped = first.analysis;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.done).toBeGreaterThanOrEqual(4);
    expect(stopped.done).toBeLessThan(stopped.total!);
    const kept = svc.repo.predictions(stopped.id).map((t) => `${t.x},${t.y}:${Array.from(t.probs).join()}`);

    const second = await svc.analyze(slideId, vitTiny!, { mpp: 3 });
    expect(second.analysis.id).toBe(stopped.id);
    expect(second.analysis.status).toBe('completed');
    expect(second.tiles).toBe(stopped.total! - stopped.done);
    const rows = svc.repo.predictions(stopped.id);
    expect(rows).toHaveLength(stopped.total!);
    expect(new Set(rows.map((t) => `${t.x},${t.y}`)).size).toBe(rows.length);
    const now = new Set(rows.map((t) => `${t.x},${t.y}:${Array.from(t.probs).join()}`));
    for (const k of kept) expect(now.has(k)).toBe(true);
    await expectEngineAgrees(ctx, rows, second.analysis.grid!);
  });

  it('runs queued slides one after another and picks up a run whose process died', async () => {
    const png = (await ctx.slides.ensure(ihc!)).id;
    const queued = await svc.enqueue([png, slideId], vitTiny!, { mpp: 2 });
    expect(queued.map((a) => a.slideId)).toEqual([png, slideId]);
    // A CLI context never takes queued work: it waits for a long-running host to start the queue.
    await new Promise((r) => setTimeout(r, 500));
    expect(queued.map((a) => svc.repo.get(a.id)!.status)).toEqual(['queued', 'queued']);
    svc.start();
    await waitUntil(() => queued.every((a) => svc.repo.get(a.id)!.status === 'completed'));
    const [p1, p2] = queued.map((a) => svc.repo.get(a.id)!);
    expect(p1!.startedAt! < p2!.startedAt!).toBe(true);
    expect(p1!.finishedAt! <= p2!.startedAt!).toBe(true);

    // A run left 'running' by a process that no longer exists.
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    const victim = p2!;
    const keep = 3;
    for (const t of svc.repo.predictions(victim.id).slice(keep)) ctx.db.prepare('DELETE FROM predictions WHERE analysis_id = ? AND x = ? AND y = ?').run(victim.id, t.x, t.y);
    ctx.db.prepare("UPDATE analyses SET status = 'running', pid = ?, tiles_done = ?, summary_json = NULL WHERE id = ?").run(dead, keep, victim.id);
    const restarted = new AnalysisService(ctx);
    restarted.queue.start();
    await waitUntil(() => restarted.repo.get(victim.id)!.status === 'completed');
    const done = restarted.repo.get(victim.id)!;
    expect(done.done).toBe(done.total);
    expect(done.summary).not.toBeNull();

    // A host shutting down leaves its running analysis interrupted, and the next start resumes it.
    const [long] = await restarted.enqueue([slideId], vitTiny!, { mpp: 1 });
    await waitUntil(() => restarted.repo.get(long!.id)!.done > 0);
    await restarted.queue.stop();
    expect(restarted.repo.get(long!.id)!.status).toBe('interrupted');
    const next = new AnalysisService(ctx);
    expect(next.start()).toEqual([long!.id]);
    expect(['queued', 'running']).toContain(next.repo.get(long!.id)!.status);
    await next.queue.stop();
  });
});

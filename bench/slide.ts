/**
 * `npm run bench -- slide`: end-to-end slide inference speed on CMU-1-Small-Region.svs at
 * 0.5 µm/px with ResNet-50 and ViT-B/16 (fp32, and ViT-B/16 int8) on the fast engine
 * (onnxruntime), as `tessella slide infer` runs it (worker, tile reader thread, the session in a
 * worker of its own with the next batch queued, SQLite writes), against the same engine's bare
 * throughput on preprocessed pixels at the same batch size and on the same graph file. The aim
 * (issue 15 item 4): end to end at 90% or more of bare.
 *
 * Every round classifies every tissue tile again. Removing the analysis is not enough for that:
 * a run also keeps each tile's backbone embedding (the slide's tile-embedding store, shared by
 * every analysis of the slide with that backbone), and a later analysis classifies the stored
 * tiles with the head alone, no engine (the old bench's 17,000-20,000 tiles/s in rounds 2 and 3).
 * So the store is deleted before each round, and a round whose engine did not see every tissue
 * tile fails the bench (`tilesSentToEngine`).
 *
 * Weights are the built-in random initialisations. They are not degenerate for speed: the graph
 * is the same as a trained model's, and a copy with every tensor perturbed (no zero biases, no
 * unit norms or BatchNorm statistics) ran at the same speed (alternately, batch 8, load ~13:
 * ViT-B/16 1.12-1.42 img/s built-in vs 1.31-1.74 perturbed; ResNet-50 best 5.71 vs 5.88). The
 * figures can look high for 2 cores because the CPU has AVX-512 (AMD EPYC, Zen 5): onnxruntime's
 * fp32 MatMul reached 339 GFLOP/s on 2 threads (ViT-B/16's fc1 shape at batch 8), ~9.7 ViT-B/16
 * images/s at 35 GFLOP each.
 *
 * tilesPerSecond is the product's figure (RunResult: from the tile plan to the last result, so it
 * includes whatever of the engine load is not done by then, and onnxruntime's slower first run:
 * on this 56-tile slide that is a large share, on a whole slide a one-off); steadyTilesPerSecond
 * is the rate between the first and the last stored batch, the like of the bare figure (whose
 * warm-up run is not counted either). cpuMsPerTile compares the process's CPU time per tile in
 * that window with bare's per image: it barely moves with load from other processes, unlike wall
 * time. wallSeconds adds worker start, checkpoint and engine load and tissue detection;
 * engineWaitFraction is the part of inference time the engine waited for tiles.
 *
 * What it showed (December 2026, load average 6-14 from other work on the 2 cores: single rounds
 * swing by 2x, so wall-time ratios of one run are rough; CPU per tile is the steady figure). The
 * engine never waits for tiles (engineWaitFraction 0-0.03). ViT-B/16 fp32 and int8: CPU per tile
 * 1-9% above bare's; steady rate 0.75-1.07 of bare over three runs, as the load moved. ResNet-50:
 * 5-15 CPU ms a tile above bare's ~51-65, the tile reader (OpenSlide read ~2-3 ms, the processor's
 * 224->256 bicubic resize, normalisation) on the same 2 cores, a large share next to ResNet's
 * ~30-60 ms a tile and none next to ViT-B's ~250. Making the reader's resize and normalisation
 * 2-3x cheaper (pil-resize.ts, processors.ts) took it from ~9 to ~4-5 CPU ms a tile; steady
 * ResNet-50 then 0.94 of bare (best of rounds, two runs), CPU 0.88-0.91 of bare. In wall time the
 * reader probably costs more than its CPU time: one of onnxruntime's two intra-op threads shares a
 * core with it, and each parallel section waits for the slower thread (not measured apart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import type { AnalysisProgress } from '../src/shared/contract/analysis';
import { analysisService } from '../src/main/analysis/service';
import { engineCacheDir } from '../src/main/analysis/run-analysis';
import { createAppContext } from '../src/main/app-context';
import { embeddingCacheRoot } from '../src/main/ml/infer/embedding-store';
import { loadCheckpoint } from '../src/main/ml/models/checkpoint';
import { OnnxEngine } from '../src/main/ml/onnx/session';
import { steadyRate, type TileEvent, tilesSentToEngine } from './slide-rounds';

const SLIDE = join(import.meta.dirname, '..', '..', 'shared', 'data', 'slides', 'CMU-1-Small-Region.svs');

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Images per second of engine.run on fixed pixels (a run about `seconds` long after one warm-up run), and CPU ms per image. */
async function bareThroughput(engine: OnnxEngine, batch: number, seconds: number): Promise<{ imgPerSec: number; cpuMsPerImg: number }> {
  const [c, h, w] = engine.inputShape;
  const pixels = Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.001));
  const t0 = performance.now();
  await engine.run(pixels, batch);
  const reps = Math.max(1, Math.round((seconds * 1000) / (performance.now() - t0)));
  const t = performance.now();
  const cpu = cpuUsage();
  for (let i = 0; i < reps; i++) await engine.run(pixels, batch);
  return { imgPerSec: (reps * batch * 1000) / (performance.now() - t), cpuMsPerImg: cpuMs(cpuUsage(cpu)) / (reps * batch) };
}

type SlideRun = { model: 'resnet-50' | 'vit-b16'; precision: 'fp32' | 'int8' };
const AIM_VS_BARE = 0.9;
const r2 = (x: number) => +x.toFixed(2);
const r3 = (x: number) => +x.toFixed(3);

export async function benchSlide(opts: { runs?: SlideRun[]; batchSize?: number; rounds?: number } = {}): Promise<object> {
  const runs: SlideRun[] = opts.runs ?? [
    { model: 'resnet-50', precision: 'fp32' },
    { model: 'vit-b16', precision: 'fp32' },
    { model: 'vit-b16', precision: 'int8' },
  ];
  const batchSize = opts.batchSize ?? 8;
  const rounds = opts.rounds ?? 3;
  const home = mkdtempSync(join(tmpdir(), 'tessella-bench-slide-'));
  const ctx = createAppContext({ host: 'cli', home });
  const loadBefore = loadavg()[0]!;
  const results: Record<string, unknown>[] = [];
  try {
    const svc = analysisService(ctx);
    const slide = await ctx.slides.ensure(SLIDE);
    for (const { model: name, precision } of runs) {
      const ck = await loadCheckpoint(name);
      // Built first, so the analysis opens the same graph (and optimised graph) file: no export inside a round.
      const engine = await OnnxEngine.load(ck, { cacheDir: engineCacheDir(ctx.home), chunkSize: batchSize, precision });
      // Rounds alternate the two measurements, so load from other processes hits both alike; best of each.
      const e2e: { tilesPerSecond: number; steady: ReturnType<typeof steadyRate>; wait: number; wall: number; sent: number; load: number }[] = [];
      const bare: { imgPerSec: number; cpuMsPerImg: number; load: number }[] = [];
      let a;
      try {
        for (let r = 0; r < rounds; r++) {
          process.stderr.write(`[bench] slide: ${name} ${precision} round ${r + 1}/${rounds}\n`);
          rmSync(embeddingCacheRoot(ctx.home.root), { recursive: true, force: true });
          const events: TileEvent[] = [];
          const onProgress = (p: AnalysisProgress) => {
            if (p.status === 'running' && p.done > (events.at(-1)?.done ?? 0)) events.push({ at: performance.now(), done: p.done, cpu: cpuUsage() });
          };
          const load = loadavg()[0]!;
          const t0 = performance.now();
          const run = await svc.analyze(slide.id, name, { mpp: 0.5, ...(precision === 'int8' ? { precision } : {}) }, { batchSize, onProgress });
          const wall = (performance.now() - t0) / 1000;
          a = run.analysis;
          const sent = tilesSentToEngine(run, a.grid?.tissueTiles);
          e2e.push({ tilesPerSecond: run.tilesPerSecond, steady: steadyRate(events), wait: run.engineWaitFraction, wall, sent, load });
          await svc.remove(a.id);
          const bareLoad = loadavg()[0]!;
          bare.push({ ...(await bareThroughput(engine, batchSize, Math.max(2, run.tiles / run.tilesPerSecond))), load: bareLoad });
        }
      } finally {
        await engine.dispose();
      }
      const best = e2e.reduce((x, y) => (y.tilesPerSecond > x.tilesPerSecond ? y : x));
      const bestSteady = Math.max(...e2e.map((e) => e.steady.tilesPerSecond));
      const bestBare = Math.max(...bare.map((b) => b.imgPerSec));
      const e2eCpu = Math.min(...e2e.map((e) => e.steady.cpuMsPerTile));
      const bareCpu = Math.min(...bare.map((b) => b.cpuMsPerImg));
      results.push({
        model: name,
        precision,
        batchSize,
        tiles: a?.grid?.tiles,
        tissueTiles: a?.grid?.tissueTiles,
        tileSize: a?.grid?.tileSize,
        tilesPerSecond: r2(best.tilesPerSecond),
        steadyTilesPerSecond: r2(bestSteady),
        bareEngineImgPerSec: r2(bestBare),
        endToEndVsBare: r3(best.tilesPerSecond / bestBare),
        steadyVsBare: r3(bestSteady / bestBare),
        cpuMsPerTile: { steady: Math.round(e2eCpu), bare: Math.round(bareCpu), bareVsSteady: r3(bareCpu / e2eCpu) },
        aim: `end to end >= ${AIM_VS_BARE} x bare`,
        meetsAim: best.tilesPerSecond / bestBare >= AIM_VS_BARE,
        steadyMeetsAim: bestSteady / bestBare >= AIM_VS_BARE,
        engineWaitFraction: r3(best.wait),
        wallSeconds: r2(best.wall),
        allRounds: {
          tilesSentToEngine: e2e.map((e) => e.sent),
          tilesPerSecond: e2e.map((e) => r2(e.tilesPerSecond)),
          steadyTilesPerSecond: e2e.map((e) => r2(e.steady.tilesPerSecond)),
          bare: bare.map((b) => r2(b.imgPerSec)),
          cpuMsPerTile: e2e.map((e, i) => [Math.round(e.steady.cpuMsPerTile), Math.round(bare[i]!.cpuMsPerImg)]),
          engineWaitFraction: e2e.map((e) => r3(e.wait)),
          loadAverage: e2e.map((e, i) => [r2(e.load), r2(bare[i]!.load)]),
        },
      });
      process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
    }
  } finally {
    ctx.close();
    rmSync(home, { recursive: true, force: true });
  }
  return { slide: 'CMU-1-Small-Region.svs', mpp: 0.5, threads: availableParallelism(), loadAverage: { before: r2(loadBefore), after: r2(loadavg()[0]!) }, results };
}

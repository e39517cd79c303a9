/**
 * One size of `bench -- fm-sizes`, in its own process: open the folder as `features` does
 * (openOnnxModel), embed `batch` images a few times, print one JSON line with img/s and peak RSS.
 * The graph is built first on its own (lazy load + streaming build into the same cache, what
 * openOnnxModel does on a cold cache), so the build's peak RSS is reported apart from
 * onnxruntime's; openOnnxModel then finds that graph and only loads the session.
 */
import { statSync } from 'node:fs';
import { loadCheckpointOf, openOnnxModel } from '../src/main/ml/model-cache';
import { externalDataPath, writeOnnxModel } from '../src/main/ml/onnx/export';
import { graphPath } from '../src/main/ml/onnx/session';

const peakMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const rssMB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

async function main(): Promise<void> {
  const [dir, cacheDir, batchArg] = process.argv.slice(2) as [string, string, string];
  const batch = Number(batchArg);
  const t0 = performance.now();
  let ck: Awaited<ReturnType<typeof loadCheckpointOf>> | null = await loadCheckpointOf(dir, { lazyWeights: true });
  await writeOnnxModel(ck, graphPath(cacheDir, ck.hash));
  ck = null;
  const buildMs = performance.now() - t0;
  const buildPeakRssMB = peakMB();
  const t1 = performance.now();
  const m = await openOnnxModel(dir, { cacheDir });
  const sessionMs = performance.now() - t1;
  const afterSessionRssMB = rssMB();
  if (!m.engine.fromCache) throw new Error('the session did not use the graph built above');
  const [c, h, w] = m.engine.inputShape;
  const pixels = Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.001));
  await m.engine.run(pixels, batch); // warm-up
  const runs = 2;
  const t2 = performance.now();
  for (let i = 0; i < runs; i++) await m.engine.run(pixels, batch);
  const perImageMs = (performance.now() - t2) / (runs * batch);
  const graph = m.engine.modelPath;
  let dataBytes = 0;
  try {
    dataBytes = statSync(externalDataPath(graph)).size;
  } catch {
    // one-file model
  }
  const afterRunsRssMB = rssMB();
  await m.engine.dispose();
  process.stdout.write(
    JSON.stringify({
      embeddingDim: m.engine.info.embeddingDim,
      inputSize: [h, w],
      loadAndBuildMs: Math.round(buildMs + sessionMs),
      buildMs: Math.round(buildMs),
      sessionMs: Math.round(sessionMs),
      imgPerSec: +(1000 / perImageMs).toFixed(3),
      graphBytes: statSync(graph).size,
      externalDataBytes: dataBytes,
      buildPeakRssMB,
      afterSessionRssMB,
      afterRunsRssMB,
      peakRssMB: peakMB(),
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

/**
 * One size of `bench -- fm-sizes`, in its own process: open the folder as `features` does
 * (openOnnxModel), embed `batch` images a few times, print one JSON line with img/s and peak RSS.
 */
import { statSync } from 'node:fs';
import { openOnnxModel } from '../src/main/ml/model-cache';
import { externalDataPath } from '../src/main/ml/onnx/export';

async function main(): Promise<void> {
  const [dir, cacheDir, batchArg] = process.argv.slice(2) as [string, string, string];
  const batch = Number(batchArg);
  const t0 = performance.now();
  const m = await openOnnxModel(dir, { cacheDir });
  const loadMs = performance.now() - t0;
  const [c, h, w] = m.engine.inputShape;
  const pixels = Float32Array.from({ length: batch * c * h * w }, (_, i) => Math.sin(i * 0.001));
  await m.engine.run(pixels, batch); // warm-up
  const runs = 2;
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await m.engine.run(pixels, batch);
  const perImageMs = (performance.now() - t1) / (runs * batch);
  const graph = m.engine.modelPath;
  let dataBytes = 0;
  try {
    dataBytes = statSync(externalDataPath(graph)).size;
  } catch {
    // one-file model
  }
  await m.engine.dispose();
  process.stdout.write(
    JSON.stringify({
      embeddingDim: m.engine.info.embeddingDim,
      inputSize: [h, w],
      loadAndBuildMs: Math.round(loadMs),
      imgPerSec: +(1000 / perImageMs).toFixed(3),
      graphBytes: statSync(graph).size,
      externalDataBytes: dataBytes,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

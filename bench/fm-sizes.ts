/**
 * `npm run bench -- fm-sizes`: pretrained-backbone sizes (ViT-S, B, L, H, g) on this machine.
 * Each size is a random-weight timm folder (bench/fm-model.ts; H and g stored as fp16, as
 * large checkpoints often are) embedded through the app's path (loadCheckpoint → plan → ONNX,
 * external data above 1.5 GB → onnxruntime) in a child process of its own, so its peak RSS is
 * its own. Reported: parameters, file and graph sizes, load+build time, img/s, peak RSS.
 * Environment: TESSELLA_FM_SIZES=S,B (a subset), TESSELLA_FM_BATCH (images per run, default 4).
 *
 * Measured and not shipped (2026-12, onnxruntime-node 1.30, CPU): Linear weights stored as float16
 * with Cast-to-float nodes halve the side file but not memory. onnxruntime folds the Casts back to
 * fp32 at session creation (at 'basic' level already) and holds slightly more: ViT-g peak 5273 MB
 * vs 4744 MB fp32; ViT-L after session creation 1386 MB vs 1294 MB ('basic' 1414 MB). With
 * ConstantFolding disabled (optimization.disable_specified_optimizers) the Casts run per call and
 * it is worse still: ViT-L 1818 MB and 40% slower.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parameterCount, VIT_SIZES, writeRandomVit } from './fm-model';

export async function benchFmSizes(): Promise<object> {
  const wanted = process.env['TESSELLA_FM_SIZES']?.split(',').map((s) => s.trim().toUpperCase());
  const batch = Number(process.env['TESSELLA_FM_BATCH'] ?? 4);
  const sizes = VIT_SIZES.filter((s) => !wanted || wanted.includes(s.name.slice(4).split('/')[0]!.toUpperCase()));
  const results: object[] = [];
  for (const s of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'tessella-bench-fm-'));
    try {
      const dtype = s.dim >= 1280 ? 'F16' : 'F32';
      process.stderr.write(`[fm-sizes] ${s.name}: writing ${dtype} weights\n`);
      const fileBytes = await writeRandomVit(join(dir, 'model'), s, dtype);
      process.stderr.write(`[fm-sizes] ${s.name}: embedding ${batch} images per run\n`);
      const r = spawnSync(process.execPath, [resolve('bin/run-ts.mjs'), resolve('bench/fm-sizes-child.ts'), join(dir, 'model'), join(dir, 'cache'), String(batch)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      if (r.status !== 0) {
        results.push({ model: s.name, error: (r.stderr || `exit ${r.status}`).trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-3).join(' ') });
        continue;
      }
      results.push({ model: s.name, architecture: s.architecture, parameters: parameterCount(s), weightsDtype: dtype, fileBytes, ...JSON.parse(r.stdout) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { loadAverage: +loadavg()[0]!.toFixed(2), batch, results };
}

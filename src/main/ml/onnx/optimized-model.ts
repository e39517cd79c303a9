/**
 * onnxruntime's optimised graph, kept next to the graph it came from
 * (`<graph>.opt-<key>.onnx`), so a cold process loads it with optimisation off instead of
 * fusing and re-laying out the whole network again.
 *
 * The key covers what the optimised file depends on: the graph file (export version, inode and
 * size: a rebuilt graph is renamed into place, a new inode; not the mtime, which each use of the
 * graph moves for the cache's trimming), the onnxruntime version, the precision, the providers, and the CPU (at
 * level 'all' onnxruntime bakes in CPU-specific layouts, e.g. NCHWc blocks sized to the vector
 * width). The file is written once through a temporary name and a rename, so a reader never sees
 * half of it; a file onnxruntime refuses is deleted and made again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { arch, cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import * as ort from 'onnxruntime-node';
import { externalDataPath, GRAPH_VERSION } from './export.js';

export type OptimizedUse = 'reused' | 'written' | 'off';

export interface OptimizedKeyParts {
  precision: string;
  providers: readonly string[];
}

const OPT_SUFFIX = /\.opt-[0-9a-f]{16}\.onnx$/;

/** `<graph stem>.opt-<key>.onnx` for this graph file as it is now, or null when it is absent. */
export async function optimizedModelPath(graphPath: string, parts: OptimizedKeyParts): Promise<string | null> {
  const s = await stat(graphPath).catch(() => null);
  if (!s) return null;
  const key = createHash('sha256')
    .update(JSON.stringify([GRAPH_VERSION, s.ino, s.size, ort.env.versions.node ?? ort.env.versions.common, parts.precision, parts.providers, arch(), cpus()[0]?.model ?? '']))
    .digest('hex')
    .slice(0, 16);
  return graphPath.replace(/\.onnx$/, `.opt-${key}.onnx`);
}

/** Optimised files of the same graph under another key: stale once a new one is written. */
async function removeStale(graphPath: string, keep: string): Promise<void> {
  const dir = dirname(graphPath);
  const stem = basename(graphPath).replace(/\.onnx$/, '');
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(`${stem}.opt-`) && OPT_SUFFIX.test(n) && join(dir, n) !== keep)
      .map((n) => rm(join(dir, n), { force: true })),
  );
}

/**
 * Opens a session on `graphPath` through `open`, from its optimised file when there is one,
 * otherwise optimising the graph (options as given) and saving the result for next time.
 * Graphs with an external-data side file are opened as they are: their optimised copy would put
 * every weight into one protobuf, past its 2 GB limit.
 */
export async function openWithOptimizedCache(
  open: (path: string, options: InferenceSession.SessionOptions) => Promise<void>,
  graphPath: string,
  options: InferenceSession.SessionOptions,
  parts: OptimizedKeyParts,
): Promise<OptimizedUse> {
  const optPath = existsSync(externalDataPath(graphPath)) ? null : await optimizedModelPath(graphPath, parts);
  if (!optPath) {
    await open(graphPath, options);
    return 'off';
  }
  if (existsSync(optPath)) {
    try {
      // Already optimised at 'all'; optimising again would redo the work this file saves.
      await open(optPath, { ...options, graphOptimizationLevel: 'disabled' });
      return 'reused';
    } catch {
      await rm(optPath, { force: true }); // damaged: made again below
    }
  }
  const tmp = `${optPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await open(graphPath, { ...options, optimizedModelFilePath: tmp });
  } catch {
    // Saving the copy may be what failed (a full disk: "Protobuf serialization failed"): the
    // copy is only a saving, so open without it; an error that is the graph's own comes again.
    await rm(tmp, { force: true });
    await open(graphPath, options);
    return 'off';
  }
  try {
    await rename(tmp, optPath);
  } catch {
    await rm(tmp, { force: true }); // the session is open all the same; the next start optimises again
    return 'off';
  }
  await removeStale(graphPath, optPath).catch(() => undefined);
  return 'written';
}

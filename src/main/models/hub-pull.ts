/**
 * A pull from the Hugging Face Hub as the app and the CLI run it: plan (every refusal surfaces
 * here), download and verify, then register the folder so `--model org/name` works offline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueModel, RegisteredModel } from '../../shared/contract/models.js';
import type { Db } from '../store/db.js';
import type { HomeLayout } from '../home.js';
import { CATALOGUE } from '../ml/hub/catalogue.js';
import { HINT_FILE, pulledCommits } from '../ml/hub/layout.js';
import { planPull, runPull, type PullPlan, type PullProgress } from '../ml/hub/pull.js';
import { hubSettings } from '../ml/hub/settings.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { ModelRegistry, type PulledModel } from './registry.js';

export interface PullHost {
  home: HomeLayout;
  db: Db;
}

function readJson(path: string): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Side of the tile: the catalogue's, else the preprocessor's crop, timm's pretrained_cfg, the config's image_size. */
function inputSizeOf(plan: PullPlan, config: Record<string, unknown>, pre: Record<string, unknown>): number {
  const crop = pre.crop_size as Record<string, unknown> | number | undefined;
  const size = pre.size as Record<string, unknown> | number | undefined;
  const timm = (config.pretrained_cfg as { input_size?: unknown } | undefined)?.input_size;
  return (
    plan.entry?.inputSize ??
    num(typeof crop === 'object' ? crop?.height : crop) ??
    num(typeof size === 'object' ? (size?.height ?? size?.shortest_edge) : size) ??
    num(Array.isArray(timm) ? timm[1] : undefined) ??
    num(config.image_size) ??
    224
  );
}

/** The row a pulled folder is registered as, from its config and the verified files' ETags. */
export function pulledModelRow(plan: PullPlan): PulledModel {
  const config = readJson(join(plan.dir, 'config.json'));
  const pre = readJson(join(plan.dir, 'preprocessor_config.json'));
  const hint = readJson(join(plan.dir, HINT_FILE));
  const files = Array.isArray(hint.files) ? (hint.files as { name: string; etag: string }[]) : [];
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.name}\0${f.etag}\n`);
  const id2label = config.id2label as Record<string, string> | undefined;
  const labels = id2label && typeof id2label === 'object' ? Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => String(id2label[k])) : [];
  const arch = typeof config.model_type === 'string' ? config.model_type : typeof config.architecture === 'string' ? `timm:${config.architecture}` : 'unknown';
  return {
    name: plan.revision === 'main' ? plan.id : `${plan.id}@${plan.revision}`,
    arch,
    dir: plan.dir,
    hash: hash.digest('hex'),
    labels,
    inputSize: inputSizeOf(plan, config, pre),
    trainedMpp: plan.entry?.mpp ?? null,
    source: { repo: plan.id, revision: plan.revision, commit: plan.commit },
  };
}

export interface StartedPull {
  plan: PullPlan;
  /** Downloads, verifies and registers; resolves with the registered model. */
  finish(onProgress?: (p: PullProgress | { phase: 'register'; done: number; total: number }) => void): Promise<RegisteredModel>;
}

export async function startPull(host: PullHost, input: { id: string; revision?: string }, opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<StartedPull> {
  const context = { settings: hubSettings(opts.env), modelsDir: host.home.models, signal: opts.signal };
  const plan = await planPull(input, context);
  return {
    plan,
    async finish(onProgress) {
      await runPull(plan, context, onProgress);
      onProgress?.({ phase: 'register', done: plan.totalBytes, total: plan.totalBytes });
      return new ModelRegistry(host.db, onnxCacheDir(host.home.root)).registerPulled(pulledModelRow(plan));
    },
  };
}

/** The catalogue as the contract lists it: each entry with the commits of it pulled here. */
export function catalogueListing(modelsDir: string): CatalogueModel[] {
  return CATALOGUE.map((e) => ({ ...e, mean: [...e.mean], std: [...e.std], pulled: pulledCommits(modelsDir, e.id) }));
}

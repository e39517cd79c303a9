/**
 * The parts of a checkpoint's cache key that do not need its weights. loadCheckpoint() feeds them
 * into its sha256; the model cache recomputes a built-in architecture's key from them alone, so a
 * cached graph is found without generating hundreds of MB of initial weights first.
 */
import { createHash } from 'node:crypto';
import { BUILTIN_CONFIGS, type BuiltinName, type HfConfig } from './configs.js';

export interface LabelOptions {
  numLabels?: number;
  labels?: string[];
  seed?: number;
}

/** Names from config.id2label ordered by id, or null when the config has none. */
export function configLabels(config: Pick<HfConfig, 'id2label'>): string[] | null {
  if (!config.id2label || Object.keys(config.id2label).length === 0) return null;
  const ids = Object.keys(config.id2label).map(Number).sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i)) throw new Error(`config.json: id2label ids are not 0..${ids.length - 1}`);
  return ids.map((id) => config.id2label![String(id)]);
}

/** The class names a load ends up with: given labels, else the config's, else LABEL_i for the head's size. */
export function resolveLabels(config: Pick<HfConfig, 'id2label'>, headRows: number | null, opts: LabelOptions): string[] {
  const fromConfig = configLabels(config);
  if (opts.labels) {
    if (opts.numLabels !== undefined && opts.numLabels !== opts.labels.length) throw new Error(`numLabels ${opts.numLabels} but ${opts.labels.length} labels given`);
    if (new Set(opts.labels).size !== opts.labels.length) throw new Error('labels must be distinct');
    return [...opts.labels];
  }
  const declared = (config as { num_labels?: unknown }).num_labels;
  const n = opts.numLabels ?? fromConfig?.length ?? (typeof declared === 'number' ? declared : null) ?? headRows ?? 2; // 2: PretrainedConfig's default
  if (fromConfig && fromConfig.length === n) return fromConfig;
  return Array.from({ length: n }, (_, i) => `LABEL_${i}`);
}

/** What a built-in architecture's key starts with instead of file contents. */
export function builtinKeyPart(name: BuiltinName): string {
  return `builtin:${name}:${JSON.stringify(BUILTIN_CONFIGS[name])}`;
}

/** The key's last parts: the init options when any weight was initialised, and the labels. */
export function keyTailParts(initialised: boolean, seed: number, labels: string[]): string[] {
  // Options only change the weights when something was initialised.
  return [...(initialised ? [`\0init:${seed}:${labels.length}`] : []), `\0labels:${JSON.stringify(labels)}`];
}

/** loadCheckpoint(name, opts).hash for a built-in architecture, without creating its weights. */
export function builtinCheckpointHash(name: BuiltinName, opts: LabelOptions = {}): { hash: string; labels: string[] } {
  const labels = resolveLabels({}, null, opts);
  const h = createHash('sha256').update(builtinKeyPart(name));
  for (const part of keyTailParts(true, opts.seed ?? 0, labels)) h.update(part);
  return { hash: h.digest('hex'), labels };
}

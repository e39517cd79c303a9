/**
 * `tessella_model.json`, written beside a pulled model's files: what the loader needs that the
 * checkpoint does not say (schema "tessella-model-hint/0", as ../shared/oracle/fm/* carry it),
 * and where the files came from.
 */
import type { CatalogueEntry } from './catalogue.js';

export const HINT_SCHEMA = 'tessella-model-hint/0';

export interface HintSource {
  repo: string;
  revision: string;
  commit: string;
  endpoint: string;
}

export interface HintFile {
  name: string;
  size: number;
  /** The Hub's ETag it was checked against: sha256 (LFS) or git blob sha1. */
  etag: string;
}

export function buildHint(entry: CatalogueEntry | null, o: { source: HintSource; files: HintFile[]; weights: string[]; gated: boolean; license?: string }): Record<string, unknown> {
  const common = {
    schema: HINT_SCHEMA,
    source: o.source,
    weights: o.weights,
    gated: o.gated,
    files: o.files,
  };
  if (!entry) return { ...common, catalogued: false, license: o.license ?? null };
  return {
    ...common,
    catalogued: true,
    name: entry.name,
    source_format: entry.family === 'timm-vit' ? 'timm' : 'transformers',
    family: entry.family,
    architecture: entry.architecture,
    input_size: entry.inputSize,
    mean: [...entry.mean],
    std: [...entry.std],
    pooling: entry.pooling,
    embedding_dim: entry.embeddingDim,
    width: entry.width,
    ...(entry.registers !== undefined ? { tokens: { cls: 1, registers: entry.registers } } : {}),
    ...(entry.timmCreateModelExtraKwargs ? { timm_create_model_extra_kwargs: { ...entry.timmCreateModelExtraKwargs } } : {}),
    mpp: entry.mpp ?? null,
    ...(entry.parametersM !== undefined ? { parameters_m: entry.parametersM } : {}),
    license: entry.license ?? o.license ?? null,
  };
}

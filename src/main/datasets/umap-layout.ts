/**
 * A 2-D UMAP layout of embeddings (McInnes et al. 2018, umap-js): the map researchers use to find
 * mislabelled patches and batch effects. Rows are L2-normalised first, so the euclidean
 * neighbourhoods UMAP builds are the cosine neighbourhoods embeddings are compared by. The random
 * source is seeded: the same embeddings give the same map.
 */
import { UMAP } from 'umap-js';
import { mulberry32 } from '../ml/models/init.js';

export interface LayoutOptions {
  seed?: number;
  nNeighbors?: number;
  minDist?: number;
  /** After each optimisation epoch; return false to stop (the layout so far is discarded). */
  onEpoch?: (epoch: number, epochs: number) => boolean | void;
}

function normalised(rows: Float32Array[]): number[][] {
  return rows.map((r) => {
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return Array.from(r, (v) => v * inv);
  });
}

/** [x0, y0, x1, y1, ...], or null when cancelled. Fewer than 3 rows have no neighbourhood: they sit on a line. */
export function umapLayout(rows: Float32Array[], opts: LayoutOptions = {}): Float32Array | null {
  const n = rows.length;
  if (n < 3) return Float32Array.from(rows.flatMap((_, i) => [i, 0]));
  const umap = new UMAP({
    nComponents: 2,
    // umap-js needs fewer neighbours than points
    nNeighbors: Math.max(2, Math.min(opts.nNeighbors ?? 15, n - 1)),
    minDist: opts.minDist ?? 0.1,
    random: mulberry32(opts.seed ?? 42),
  });
  const epochs = umap.initializeFit(normalised(rows));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (opts.onEpoch?.(e + 1, epochs) === false) return null;
  }
  return Float32Array.from(umap.getEmbedding().flat());
}

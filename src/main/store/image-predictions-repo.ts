/** Rows of `image_predictions` and `prediction_sets`: model suggestions on dataset images. */
import type { PredictionSet } from '../../shared/contract/datasets.js';
import type { Db } from './db.js';

export interface ImagePredictionWrite {
  imageId: number;
  /** Per-class probabilities in the set's label order. */
  probs: Float32Array;
  labelIndex: number;
  confidence: number;
  margin: number;
}

interface SetRow {
  model_hash: string;
  model: string;
  labels_json: string;
  created_at: string;
  images: number;
}

const SET_COLUMNS = `s.model_hash, s.model, s.labels_json, s.created_at,
  (SELECT count(*) FROM image_predictions p JOIN images i ON i.id = p.image_id WHERE p.model_hash = s.model_hash AND i.dataset_id = s.dataset_id) AS images`;

function toSet(r: SetRow): PredictionSet {
  return { modelHash: r.model_hash, model: r.model, labels: JSON.parse(r.labels_json) as string[], images: r.images, createdAt: r.created_at };
}

export class ImagePredictionsRepo {
  constructor(private readonly db: Db) {}

  /** Starts (or restarts) a set; its created_at is now, so it becomes the dataset's latest. */
  beginSet(datasetId: number, modelHash: string, model: string, labels: string[]): void {
    this.db
      .prepare(
        `INSERT INTO prediction_sets (dataset_id, model_hash, model, labels_json) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset_id, model_hash) DO UPDATE SET model = excluded.model, labels_json = excluded.labels_json,
           created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
      )
      .run(datasetId, modelHash, model, JSON.stringify(labels));
  }

  /** One transaction per batch; images deleted meanwhile (a re-import, a removal) are skipped. */
  write(modelHash: string, rows: ImagePredictionWrite[]): void {
    const ins = this.db.prepare(
      `INSERT OR REPLACE INTO image_predictions (image_id, model_hash, probs, label_index, confidence, margin)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM images WHERE id = ?)`,
    );
    this.db.transaction(() => {
      for (const r of rows) {
        ins.run(r.imageId, modelHash, Buffer.from(r.probs.buffer, r.probs.byteOffset, r.probs.byteLength), r.labelIndex, r.confidence, r.margin, r.imageId);
      }
    })();
  }

  sets(datasetId: number): PredictionSet[] {
    const rows = this.db
      .prepare(`SELECT ${SET_COLUMNS} FROM prediction_sets s WHERE s.dataset_id = ? ORDER BY s.created_at DESC, s.rowid DESC`)
      .all(datasetId) as SetRow[];
    return rows.map(toSet);
  }

  /** The named set, or the latest when no hash is given; null when the dataset has none. */
  set(datasetId: number, modelHash?: string): PredictionSet | null {
    const r = (
      modelHash === undefined
        ? this.db.prepare(`SELECT ${SET_COLUMNS} FROM prediction_sets s WHERE s.dataset_id = ? ORDER BY s.created_at DESC, s.rowid DESC LIMIT 1`).get(datasetId)
        : this.db.prepare(`SELECT ${SET_COLUMNS} FROM prediction_sets s WHERE s.dataset_id = ? AND s.model_hash = ?`).get(datasetId, modelHash)
    ) as SetRow | undefined;
    return r ? toSet(r) : null;
  }

  /** Stored probabilities of one image, in the set's label order. */
  probabilities(imageId: number, modelHash: string): Float32Array | null {
    const r = this.db.prepare('SELECT probs FROM image_predictions WHERE image_id = ? AND model_hash = ?').get(imageId, modelHash) as { probs: Buffer } | undefined;
    if (!r) return null;
    const copy = new Uint8Array(r.probs); // own, aligned buffer
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
}

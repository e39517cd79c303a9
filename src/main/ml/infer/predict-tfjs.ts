/**
 * Classifies image files with the TensorFlow.js engine: checkpoint folder (or built-in name) in,
 * per-file top-k labels, probabilities and logits out. What `tessella predict` runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../engine/backend.js';
import { loadCheckpoint, type LoadOptions } from '../models/checkpoint.js';
import { createModel } from '../models/index.js';
import { preprocessBatch } from '../models/model-input.js';

export interface Prediction {
  file: string;
  /** The most probable class. */
  label: string;
  /** Softmax over the logits, most probable first; `topk` entries (all classes by default). */
  probabilities: { label: string; probability: number }[];
  /** Raw logits in class-id order. */
  logits: number[];
}

export interface PredictOptions extends LoadOptions {
  topk?: number;
  /** Images per forward pass (default 8). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function predictFiles(modelDirOrArch: string, files: string[], opts: PredictOptions = {}): Promise<Prediction[]> {
  await initBackend();
  const ckpt = await loadCheckpoint(modelDirOrArch, opts);
  const labels = Object.keys(ckpt.id2label).map(Number).sort((a, b) => a - b).map((i) => ckpt.id2label[i]);
  const topk = Math.max(1, Math.min(opts.topk ?? labels.length, labels.length));
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const model = createModel(ckpt);
  ckpt.weights.clear(); // the model holds its own copy now; let the JS one go
  const results: Prediction[] = [];
  try {
    for (let i = 0; i < files.length; i += batchSize) {
      const chunk = files.slice(i, i + batchSize);
      const { data, shape } = await preprocessBatch(chunk, ckpt);
      const [logits, probs] = tf.tidy(() => {
        const out = model.forward(tf.tensor4d(data, shape));
        return [out.logits.arraySync(), tf.softmax(out.logits).arraySync()];
      });
      chunk.forEach((file, j) => {
        const ranked = probs[j].map((p, c) => ({ label: labels[c], probability: p })).sort((a, b) => b.probability - a.probability);
        results.push({ file, label: ranked[0].label, probabilities: ranked.slice(0, topk), logits: logits[j] });
      });
      opts.onProgress?.(Math.min(i + batchSize, files.length), files.length);
    }
  } finally {
    model.dispose();
  }
  return results;
}

/**
 * One entry point for the two architectures: build the tfjs model a checkpoint describes.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Checkpoint } from './checkpoint.js';
import { ResNetForImageClassification } from './resnet.js';
import { ViTForImageClassification } from './vit.js';

export type ImageClassifier = ViTForImageClassification | ResNetForImageClassification;

/** What both models return; ViT/ResNet add their own extras (attentions, stage outputs). */
export interface ClassifierOutput {
  logits: tf.Tensor2D;
  features: tf.Tensor2D;
}

/** Creates tf.Variables for every weight of `ckpt` on the current backend (call initBackend() first). */
export function createModel(ckpt: Pick<Checkpoint, 'arch' | 'config' | 'weights' | 'id2label'>): ImageClassifier {
  const numLabels = Object.keys(ckpt.id2label).length;
  if (ckpt.config.model_type === 'vit') return new ViTForImageClassification(ckpt.config, ckpt.weights, numLabels);
  return new ResNetForImageClassification(ckpt.config, ckpt.weights, numLabels);
}

export { ViTForImageClassification, attentionRollout, vitNumPatches } from './vit.js';
export { ResNetForImageClassification } from './resnet.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint, type LoadOptions, type LoadReport } from './checkpoint.js';

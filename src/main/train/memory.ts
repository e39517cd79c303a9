/**
 * How many images one forward+backward pass can take on the wasm backend, whose heap cannot grow
 * past 4 GB (an allocation beyond it aborts the process). A training step over more images is
 * then done in several passes with their gradients summed: the same step, in less memory
 * (ResNet in full mode normalises each pass with that pass's batch statistics).
 *
 * The estimate counts the activations a pass keeps for its backward pass (ViT: per layer the
 * token-wide tensors, the MLP's and the attention maps; ResNet: every convolution output) and
 * scales them by factors measured with `npm run bench -- train` (the largest batches that fit
 * at 224 px: ViT-Ti 8, ViT-S 4, ViT-B 1 in full mode; ResNet-50 4 full, 16 last-k), on top of
 * weights, gradients and AdamW moments.
 */
import type { HfConfig } from '../ml/models/configs.js';
import { resnetPlan } from '../ml/models/resnet.js';

/** getHeapMax() of tfjs-backend-wasm's build. */
const HEAP_BYTES = 4294901760;
/** Left for the allocator's fragmentation, the input batch and what a pass creates besides activations. */
const RESERVE_BYTES = 1e9;
/** Bytes held per kept activation value over the whole pass (float32 plus everything derived from it). */
const VIT_FACTOR = 6 * 4;
const RESNET_TRAIN_BN_FACTOR = 14 * 4;
const RESNET_FROZEN_BN_FACTOR = 5 * 4;

/** Activation values one image keeps through a pass. */
export function activationsPerImage(config: HfConfig, inputSize: number): number {
  if (config.model_type === 'vit') {
    const t = (inputSize / config.patch_size) ** 2 + 1;
    const perLayer = t * (8 * config.hidden_size + 4 * config.intermediate_size) + 3 * config.num_attention_heads * t * t;
    return perLayer * config.num_hidden_layers;
  }
  const plan = resnetPlan(config);
  let size = Math.floor((inputSize + 2 * 3 - 7) / 2) + 1;
  let total = size * size * plan.embedder.outC;
  size = Math.floor((size + 2 - 3) / 2) + 1; // max pool
  total += size * size * plan.embedder.outC;
  for (const layer of plan.stages.flat()) {
    for (const c of layer.convs) {
      size = Math.floor((size + 2 * Math.floor(c.k / 2) - c.k) / c.stride) + 1;
      total += size * size * c.outC;
    }
    if (layer.shortcut) total += size * size * layer.shortcut.outC;
  }
  return total;
}

/**
 * Largest number of images per pass that should fit the wasm heap, at least 1. `trainable` and
 * `total` count parameters; `batchNormTrains`: ResNet normalising with batch statistics.
 */
export function wasmPassSize(config: HfConfig, inputSize: number, total: number, trainable: number, batchNormTrains: boolean): number {
  const fixed = 4 * total + 3 * 4 * trainable; // weights; gradients and two moments of the trainable ones
  const factor = config.model_type === 'vit' ? VIT_FACTOR : batchNormTrains ? RESNET_TRAIN_BN_FACTOR : RESNET_FROZEN_BN_FACTOR;
  const perImage = activationsPerImage(config, inputSize) * factor;
  return Math.max(1, Math.floor((HEAP_BYTES - RESERVE_BYTES - fixed) / perImage));
}

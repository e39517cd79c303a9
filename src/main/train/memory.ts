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
import type { NetworkPlan } from '../ml/plan.js';
import { patchGrid, prefixTokens } from '../ml/plan.js';

/** getHeapMax() of tfjs-backend-wasm's build. */
const HEAP_BYTES = 4294901760;
/** Left for the allocator's fragmentation, the input batch and what a pass creates besides activations. */
const RESERVE_BYTES = 1e9;
/** Bytes held per kept activation value over the whole pass (float32 plus everything derived from it). */
const VIT_FACTOR = 6 * 4;
const RESNET_TRAIN_BN_FACTOR = 14 * 4;
const RESNET_FROZEN_BN_FACTOR = 5 * 4;

/** Output side of a conv with padding k//2. */
const convOut = (size: number, kernel: number, stride: number): number => Math.floor((size + 2 * Math.floor(kernel / 2) - kernel) / stride) + 1;

/**
 * Activation values one image keeps through a pass at the plan's input size; `from` > 0: a
 * last-k suffix pass, which starts at that block (the frozen prefix runs on onnxruntime).
 */
export function activationsPerImage(plan: NetworkPlan, from = 0): number {
  if (plan.kind === 'vit') {
    const [gh, gw] = patchGrid(plan);
    const t = prefixTokens(plan) + gh * gw;
    return plan.blocks.slice(from).reduce((sum, b) => sum + t * (8 * plan.dim + 4 * b.mlp.fc2.in) + 3 * b.attn.heads * t * t, 0);
  }
  let size = convOut(plan.inputSize[0], plan.stem.kernel, plan.stem.stride);
  let total = from > 0 ? 0 : size * size * plan.stem.outC;
  size = Math.floor((size + 2 - 3) / 2) + 1; // max pool
  total += size * size * plan.stem.outC;
  plan.stages.flat().forEach((unit, i) => {
    const counted = i >= from ? 1 : 0;
    for (const c of unit.body) {
      size = convOut(size, c.kernel, c.stride);
      total += counted * size * size * c.outC;
    }
    if (unit.shortcut) total += counted * size * size * unit.shortcut.outC;
  });
  return total;
}

/**
 * Largest number of images per pass that should fit the wasm heap, at least 1. `trainable` and
 * `total` count parameters; `batchNormTrains`: ResNet normalising with batch statistics; `from`:
 * the first block a last-k suffix model runs.
 */
export function wasmPassSize(plan: NetworkPlan, total: number, trainable: number, batchNormTrains: boolean, from = 0): number {
  const fixed = 4 * total + 3 * 4 * trainable; // weights; gradients and two moments of the trainable ones
  const factor = plan.kind === 'vit' ? VIT_FACTOR : batchNormTrains ? RESNET_TRAIN_BN_FACTOR : RESNET_FROZEN_BN_FACTOR;
  const perImage = activationsPerImage(plan, from) * factor;
  return Math.max(1, Math.floor((HEAP_BYTES - RESERVE_BYTES - fixed) / perImage));
}

/**
 * Explainability maps.
 *
 * ViT (the ONNX explain graph): attention rollout (Abnar & Zuidema 2020: per layer, heads
 * averaged, identity added, rows renormalised, multiplied over layers; the CLS row over patches)
 * and the last layer's CLS attention per head, both over the patch grid, as the engine returns
 * them (checked against rollout.f32 / attentions_last.f32 of the oracle).
 *
 * ResNet: Grad-CAM (Selvaraju et al. 2017) on the last stage's output A. The head is global
 * average pooling then a linear layer, so the gradient of class c's logit with respect to A is
 * W[:, c] / (h w) at every position: the Grad-CAM weights are exactly W[:, c] / (h w), and the
 * map is ReLU(sum_k W[k, c] A_k / (h w)), computed in one forward pass (tfjs) without autodiff.
 * (onnxruntime cannot give gradients, and this needs none; the ONNX graph does not expose the
 * last stage, so the forward pass runs in TensorFlow.js.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExplainResult as EngineExplain } from '../ml/onnx/session.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import { initBackend } from '../ml/engine/backend.js';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import { createModel, TfjsResnet } from '../ml/models/index.js';
import { modelInputSize } from '../ml/models/processors.js';
import { labelsOf } from './models.js';
import { hasHead } from '../ml/head/head-checkpoint.js';
import { DomainError } from '../errors.js';
import { softmax } from './probs.js';

export interface RawMap {
  name: string;
  rows: number;
  cols: number;
  values: Float32Array;
}

export interface ImageExplanation {
  logits: Float32Array;
  probs: Float32Array;
  method: 'rollout' | 'grad-cam';
  /** The main map for class c: Grad-CAM of c, or the (class-independent) rollout. */
  mainMap(c: number): RawMap;
  /** Per-head CLS attention of the last layer (ViT; empty for ResNet). */
  headMaps: RawMap[];
}

/** Rollout and last-layer per-head CLS attention of image `i` from the engine's explain output. */
export function vitMaps(out: EngineExplain, i: number): RawMap[] {
  const { heads, tokens: T, grid } = out;
  const layers = out.attentions[i]!;
  const last = layers[layers.length - 1]!;
  const maps: RawMap[] = [{ name: 'rollout', rows: grid, cols: grid, values: out.rollout[i]! }];
  for (let h = 0; h < heads; h++) {
    // Row 0 (CLS as query) of head h, over the patch tokens 1..T-1.
    const start = h * T * T + 1;
    maps.push({ name: `cls-head-${h}`, rows: grid, cols: grid, values: last.slice(start, start + T - 1) });
  }
  return maps;
}

export interface GradCamResult {
  logits: Float32Array[];
  /** Per image, every class's map before the ReLU, sum_k W[k, c] A_k / hw, laid out [h * w, labels]. */
  linear: Float32Array[];
  rows: number;
  cols: number;
  labels: number;
}

/** Grad-CAM of class `c` from a GradCamResult's per-image linear maps: the ReLU of its column. */
export function camOf(r: Pick<GradCamResult, 'rows' | 'cols' | 'labels'>, linear: Float32Array, c: number): Float32Array {
  const out = new Float32Array(r.rows * r.cols);
  for (let p = 0; p < out.length; p++) out[p] = Math.max(0, linear[p * r.labels + c]!);
  return out;
}

/** The last stage through the head's weights for every class, for `n` NCHW images (one forward pass). */
export function gradCam(model: TfjsResnet, pixels: Float32Array, n: number): GradCamResult {
  const { channels, inputSize, head } = model.plan;
  if (!head) throw new DomainError('unsupported', 'Grad-CAM needs a classifier; this ResNet has none');
  return tf.tidy(() => {
    const out = model.forward(tf.tensor4d(pixels, [n, channels, ...inputSize]), { outputHiddenStates: true });
    const a = out.stageOutputs![out.stageOutputs!.length - 1]!;
    const [, h, w, k] = a.shape;
    const weights = model.params.get(head.weight) as tf.Tensor2D; // [k, labels]
    const perClass = tf.div(tf.matMul(tf.reshape(a, [n * h * w, k]), weights), h * w); // [n*h*w, labels]
    const logits = out.logits.arraySync().map((l) => Float32Array.from(l));
    const all = perClass.dataSync() as Float32Array;
    const labels = weights.shape[1];
    const per = h * w * labels;
    const linear = Array.from({ length: n }, (_, i) => all.slice(i * per, (i + 1) * per));
    return { logits, linear, rows: h, cols: w, labels };
  });
}

/** One model ready to explain batches of preprocessed images. */
export class Explainer {
  private constructor(
    readonly arch: 'vit' | 'resnet',
    readonly labels: string[],
    readonly inputSize: number,
    readonly preprocessor: Checkpoint['preprocessor'],
    readonly stain: Checkpoint['stain'],
    private readonly engine: OnnxEngine | null,
    private readonly resnet: TfjsResnet | null,
  ) {}

  static async load(ck: Checkpoint, engineCacheDir: string): Promise<Explainer> {
    const size = modelInputSize(ck.preprocessor);
    const labels = labelsOf(ck);
    if (ck.arch === 'vit') {
      const engine = await OnnxEngine.load(ck, { cacheDir: engineCacheDir, explain: true });
      return new Explainer('vit', labels, size.height, ck.preprocessor, ck.stain, engine, null);
    }
    // Grad-CAM reads the class weights straight off a linear classifier; an MLP head has none
    if (hasHead(ck) && ck.head.kind === 'mlp') throw new DomainError('unsupported', `${ck.dir}: Grad-CAM needs a linear head; this ResNet model has an MLP head`);
    await initBackend();
    const model = createModel(ck);
    if (!(model instanceof TfjsResnet)) throw new Error('expected a ResNet');
    return new Explainer('resnet', labels, size.height, ck.preprocessor, ck.stain, null, model);
  }

  async explain(pixels: Float32Array, n: number): Promise<ImageExplanation[]> {
    if (this.engine) {
      const out = await this.engine.explain(pixels, n);
      return out.logits.map((logits, i) => {
        const [rollout, ...heads] = vitMaps(out, i);
        return { logits, probs: softmax(logits), method: 'rollout', mainMap: () => rollout!, headMaps: heads };
      });
    }
    const r = gradCam(this.resnet!, pixels, n);
    return r.logits.map((logits, i) => ({
      logits,
      probs: softmax(logits),
      method: 'grad-cam',
      mainMap: (c: number) => ({ name: 'grad-cam', rows: r.rows, cols: r.cols, values: camOf(r, r.linear[i]!, c) }),
      headMaps: [],
    }));
  }

  async dispose(): Promise<void> {
    await this.engine?.dispose();
    this.resnet?.dispose();
  }
}

/** Values divided by their maximum (all zero when nothing is positive). */
export function normalized(values: ArrayLike<number>): number[] {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return Array.from(values, (v) => (max > 0 ? Math.max(0, v) / max : 0));
}

/**
 * ResNetForImageClassification (HF layout) as an ONNX graph for inference.
 *
 * Every convolution is followed by an eval-mode BatchNorm, which is folded into the conv:
 * w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε) (computed in float64, rounded once). Conv+bias(+Relu)
 * is what onnxruntime's CPU kernels (NCHWc) fuse best, and the folding moves results by a few
 * float32 ulps only.
 */
import { attr, GraphBuilder } from './onnx-model';
import { configNumber, floatWeight, type GraphCheckpoint } from './graph-input';

const BN_EPS = 1e-5;

export const RESNET_OUTPUTS = { logits: 'logits', features: 'features' } as const;

export interface ResnetShape {
  imageSize: number;
  channels: number;
  embedding: number;
  hiddenSizes: number[];
  depths: number[];
  layerType: 'bottleneck' | 'basic';
  downsampleInFirstStage: boolean;
  downsampleInBottleneck: boolean;
  numLabels: number;
}

function numberList(config: Record<string, unknown>, key: string): number[] {
  const v = config[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`config.json has no numeric list ${key}`);
  return v as number[];
}

export function resnetShape(ck: GraphCheckpoint): ResnetShape {
  const c = ck.config;
  const act = c['hidden_act'] ?? 'relu';
  if (act !== 'relu') throw new Error(`ResNet hidden_act ${String(act)} is not supported (only 'relu')`);
  const layerType = c['layer_type'] ?? 'bottleneck';
  if (layerType !== 'bottleneck' && layerType !== 'basic') throw new Error(`ResNet layer_type ${String(layerType)} is not supported`);
  const head = ck.weights.get('classifier.1.weight');
  const hiddenSizes = numberList(c, 'hidden_sizes');
  const depths = numberList(c, 'depths');
  if (hiddenSizes.length !== depths.length) throw new Error('config.json: hidden_sizes and depths differ in length');
  return {
    imageSize: configNumber(c, 'image_size', 224),
    channels: configNumber(c, 'num_channels', 3),
    embedding: configNumber(c, 'embedding_size', 64),
    hiddenSizes,
    depths,
    layerType,
    downsampleInFirstStage: c['downsample_in_first_stage'] === true,
    downsampleInBottleneck: c['downsample_in_bottleneck'] === true,
    numLabels: head ? head.shape[0]! : 0,
  };
}

/** Conv weight [out,in,k,k] and BN params → folded weight and bias. */
export function foldBatchNorm(
  w: Float32Array,
  out: number,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps = BN_EPS,
): { weight: Float32Array; bias: Float32Array } {
  const per = w.length / out;
  const weight = new Float32Array(w.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + eps);
    for (let i = o * per; i < (o + 1) * per; i++) weight[i] = w[i]! * s;
    bias[o] = beta[o]! - mean[o]! * s;
  }
  return { weight, bias };
}

export function buildResnetGraph(ck: GraphCheckpoint): GraphBuilder {
  const s = resnetShape(ck);
  if (!s.numLabels) throw new Error('checkpoint has no classifier.1.weight');
  const g = new GraphBuilder('resnet');
  const w = (name: string, shape?: readonly number[]): Float32Array => floatWeight(ck, name, shape);

  /** HF ResNetConvLayer: conv (no bias, padding k//2) → BatchNorm → optional ReLU. */
  const convLayer = (input: string, prefix: string, inC: number, outC: number, k: number, stride: number, relu: boolean): string => {
    const n = `${prefix}.normalization`;
    const folded = foldBatchNorm(
      w(`${prefix}.convolution.weight`, [outC, inC, k, k]),
      outC,
      w(`${n}.weight`, [outC]),
      w(`${n}.bias`, [outC]),
      w(`${n}.running_mean`, [outC]),
      w(`${n}.running_var`, [outC]),
    );
    const p = Math.floor(k / 2);
    const conv = g.op('Conv', [input, g.initializer(`${prefix}.weight_folded`, [outC, inC, k, k], folded.weight), g.initializer(`${prefix}.bias_folded`, [outC], folded.bias)], {
      kernel_shape: attr.ints([k, k]),
      strides: attr.ints([stride, stride]),
      pads: attr.ints([p, p, p, p]),
    });
    return relu ? g.op('Relu', [conv]) : conv;
  };

  const residualLayer = (input: string, prefix: string, inC: number, outC: number, stride: number): string => {
    const shortcut = inC !== outC || stride !== 1 ? convLayer(input, `${prefix}.shortcut`, inC, outC, 1, stride, false) : input;
    let h: string;
    if (s.layerType === 'bottleneck') {
      const red = outC / 4;
      const s1 = s.downsampleInBottleneck ? stride : 1;
      h = convLayer(input, `${prefix}.layer.0`, inC, red, 1, s1, true);
      h = convLayer(h, `${prefix}.layer.1`, red, red, 3, stride / s1, true);
      h = convLayer(h, `${prefix}.layer.2`, red, outC, 1, 1, false);
    } else {
      h = convLayer(input, `${prefix}.layer.0`, inC, outC, 3, stride, true);
      h = convLayer(h, `${prefix}.layer.1`, outC, outC, 3, 1, false);
    }
    return g.op('Relu', [g.op('Add', [h, shortcut])]);
  };

  const pixels = g.input('pixel_values', ['batch', s.channels, s.imageSize, s.imageSize]);
  let x = convLayer(pixels, 'resnet.embedder.embedder', s.channels, s.embedding, 7, 2, true);
  x = g.op('MaxPool', [x], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });

  let inC = s.embedding;
  s.hiddenSizes.forEach((outC, stage) => {
    const stride = stage === 0 && !s.downsampleInFirstStage ? 1 : 2;
    for (let j = 0; j < s.depths[stage]!; j++) {
      x = residualLayer(x, `resnet.encoder.stages.${stage}.layers.${j}`, j === 0 ? inC : outC, outC, j === 0 ? stride : 1);
    }
    inC = outC;
  });

  const pooled = g.op('GlobalAveragePool', [x]);
  const [features] = g.node('Flatten', [pooled], [RESNET_OUTPUTS.features], { axis: attr.int(1) }, { exact: true });
  const headW = g.initializer('classifier.1.weight', [s.numLabels, inC], w('classifier.1.weight', [s.numLabels, inC]));
  const headB = g.initializer('classifier.1.bias', [s.numLabels], w('classifier.1.bias', [s.numLabels]));
  g.node('Gemm', [features!, headW, headB], [RESNET_OUTPUTS.logits], { transB: attr.int(1) }, { exact: true });
  g.output(RESNET_OUTPUTS.logits, ['batch', s.numLabels]);
  g.output(RESNET_OUTPUTS.features, ['batch', inC]);
  return g;
}

/**
 * transformers ResNetModel / ResNetForImageClassification as a plan, names = checkpoint keys
 * (`resnet.embedder…`, `resnet.encoder.stages.S.layers.L…`, `classifier.1`).
 *
 * Every ResNetConvLayer is conv (no bias, padding k//2) → BatchNorm2d(eps 1e-5) → optional ReLU.
 * A bottleneck reduces to out/4 channels; `downsample_in_bottleneck` moves the stride from the
 * 3×3 conv to the first 1×1 (the torchvision/"v1" placement). A projection shortcut appears
 * whenever channels or stride change. The input size is the processor's (224 unless it says
 * otherwise): the graph is built for one size.
 */
import { DomainError } from '../../errors.js';
import type { ConvBnPlan, ResidualPlan, ResnetPlan } from '../plan.js';
import type { ShapeOf } from './vit.js';

const BN_EPS = 1e-5;

function numbers(config: Record<string, unknown>, key: string, fallback: number[]): number[] {
  const v = config[key] ?? fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new DomainError('invalid-input', `config.json: ${key} is not a list of numbers`);
  return v as number[];
}

export function resnetPlan(config: Record<string, unknown>, shapeOf: ShapeOf, opts: { inputSize?: [number, number]; numLabels?: number } = {}): ResnetPlan {
  const act = config['hidden_act'] ?? 'relu';
  if (act !== 'relu') throw new DomainError('unsupported', `ResNet hidden_act ${String(act)} is not supported (only 'relu')`);
  const layerType = config['layer_type'] ?? 'bottleneck';
  if (layerType !== 'bottleneck' && layerType !== 'basic') throw new DomainError('unsupported', `ResNet layer_type ${String(layerType)} is not supported`);
  const hidden = numbers(config, 'hidden_sizes', [256, 512, 1024, 2048]);
  const depths = numbers(config, 'depths', [3, 4, 6, 3]);
  if (hidden.length !== depths.length) throw new DomainError('invalid-input', 'config.json: hidden_sizes and depths differ in length');
  const channels = typeof config['num_channels'] === 'number' ? config['num_channels'] : 3;
  const embedding = typeof config['embedding_size'] === 'number' ? config['embedding_size'] : 64;
  const inBottleneck = config['downsample_in_bottleneck'] === true;
  const inFirstStage = config['downsample_in_first_stage'] === true;

  const convBn = (prefix: string, inC: number, outC: number, kernel: number, stride: number, relu: boolean): ConvBnPlan => {
    const n = `${prefix}.normalization`;
    return {
      conv: `${prefix}.convolution.weight`,
      inC,
      outC,
      kernel,
      stride,
      bn: { weight: `${n}.weight`, bias: `${n}.bias`, mean: `${n}.running_mean`, variance: `${n}.running_var`, eps: BN_EPS },
      relu,
    };
  };
  const residual = (prefix: string, inC: number, outC: number, stride: number): ResidualPlan => {
    const shortcut = inC !== outC || stride !== 1 ? convBn(`${prefix}.shortcut`, inC, outC, 1, stride, false) : null;
    if (layerType === 'basic') {
      return { body: [convBn(`${prefix}.layer.0`, inC, outC, 3, stride, true), convBn(`${prefix}.layer.1`, outC, outC, 3, 1, false)], shortcut };
    }
    const red = outC / 4;
    const s1 = inBottleneck ? stride : 1;
    return {
      body: [convBn(`${prefix}.layer.0`, inC, red, 1, s1, true), convBn(`${prefix}.layer.1`, red, red, 3, stride / s1, true), convBn(`${prefix}.layer.2`, red, outC, 1, 1, false)],
      shortcut,
    };
  };

  let inC = embedding;
  const stages = hidden.map((outC, s) => {
    const stride = s === 0 && !inFirstStage ? 1 : 2;
    const layers = Array.from({ length: depths[s]! }, (_, j) => residual(`resnet.encoder.stages.${s}.layers.${j}`, j === 0 ? inC : outC, outC, j === 0 ? stride : 1));
    inC = outC;
    return layers;
  });
  // classifier.0 is a Flatten; the head's rows are the labels asked for, else the checkpoint's
  const headRows = opts.numLabels ?? shapeOf('classifier.1.weight')?.[0];
  const size = typeof config['image_size'] === 'number' ? config['image_size'] : 224;
  return {
    kind: 'resnet',
    family: 'hf-resnet',
    channels,
    inputSize: opts.inputSize ?? [size, size],
    stem: convBn('resnet.embedder.embedder', channels, embedding, 7, 2, true),
    stages,
    dim: inC,
    head: headRows === undefined ? null : { weight: 'classifier.1.weight', bias: 'classifier.1.bias', in: inC, out: headRows },
  };
}

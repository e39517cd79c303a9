/**
 * The tfjs engine built from the same plan as the ONNX graph, against the backbone oracle
 * (../shared/oracle/fm): one timm folder with registers and SwiGLU, the Virchow2-style cls+mean
 * folder, and the HF Dinov2WithRegisters folder (registers folded into the position rule).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/main/ml/engine/backend';
import { TfjsVit } from '../../../../src/main/ml/emit/tfjs';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import { floatWeight } from '../../../../src/main/ml/onnx/graph-input';
import type { VitPlan } from '../../../../src/main/ml/plan';
import { sharedPath } from '../../../helpers/shared-data';
import { maxAbsDiff, readF32 } from '../onnx/oracle';
import { needs } from '../../../helpers/needs.js';

const root = sharedPath('oracle/fm');

describe('tfjs from the plan vs oracle', needs(root), () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const [c, file] of [['timm_vit_swiglu_reg', 'features.f32'], ['timm_vit_virchow2_style', 'embedding.f32'], ['hf_dinov2_reg_swiglu', 'features.f32']] as const) {
    it(`${c}: embedding and last_hidden_state within 1e-4 (batch 2)`, async () => {
      const dir = join(root!, c);
      const ck = await loadCheckpoint(dir);
      const plan = ck.plan as VitPlan;
      const model = new TfjsVit(plan, (name, shape) => floatWeight(ck, name, shape));
      try {
        const [h, w] = plan.inputSize;
        const x = tf.tensor4d(readF32(dir, 'input.f32'), [2, 3, h, w]);
        const out = model.forward(x);
        x.dispose();
        expect(maxAbsDiff(out.features.dataSync(), readF32(dir, file))).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.lastHiddenState.dataSync(), readF32(dir, 'last_hidden_state.f32'))).toBeLessThan(1e-4);
        expect(out.logits.shape).toEqual([2, 0]); // no head, as the ONNX engine gives
        tf.dispose([out.features, out.lastHiddenState, out.logits]);
      } finally {
        model.dispose();
      }
    }, 60_000);
  }
});

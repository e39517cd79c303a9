/**
 * Config → plan (ml/arch/vit.ts) without running anything: timm's registered defaults, what is
 * read from weight shapes, and one-line errors naming the tensor that does not fit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/main/errors';
import { hfDinov2Plan, timmArchitectureDefaults, timmVitPlan } from '../../../../src/main/ml/arch/vit';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import { embeddingDim, planTensorNames, type VitPlan } from '../../../../src/main/ml/plan';
import { sharedPath } from '../../../helpers/shared-data';
import { needs } from '../../../helpers/needs.js';

const root = sharedPath('oracle/fm');

describe('timm architecture names', () => {
  it('give timm’s registered widths, depths, heads, patch and variants', () => {
    expect(timmArchitectureDefaults('vit_large_patch16_224')).toMatchObject({ embed_dim: 1024, depth: 24, num_heads: 16, patch_size: 16, img_size: 224 });
    expect(timmArchitectureDefaults('vit_huge_patch14_224')).toMatchObject({ embed_dim: 1280, depth: 32, num_heads: 16, patch_size: 14 });
    expect(timmArchitectureDefaults('vit_small_patch8_224')).toMatchObject({ embed_dim: 384, depth: 12, num_heads: 6, patch_size: 8 });
    expect(timmArchitectureDefaults('vit_giant_patch14_reg4_dinov2')).toMatchObject({
      embed_dim: 1536, depth: 40, num_heads: 24, patch_size: 14, img_size: 518, init_values: 1e-5, reg_tokens: 4, no_embed_class: true, swiglu: true, act: 'silu',
    });
    expect(timmArchitectureDefaults('vit_base_patch14_dinov2')).toMatchObject({ embed_dim: 768, init_values: 1e-5, img_size: 518 });
    expect(timmArchitectureDefaults('vit_base_patch14_dinov2').reg_tokens).toBeUndefined();
  });

  it('refuse what we do not build, as DomainError unsupported', () => {
    for (const a of ['resnet50', 'vit_base_patch16_clip_224', 'vit_so400m_patch14_siglip_224']) {
      const e = (() => {
        try {
          timmArchitectureDefaults(a);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).kind).toBe('unsupported');
    }
  });
});

describe('plans of the oracle folders', needs(root), () => {
  const folder = (c: string): string => join(root!, c);
  const config = (c: string): Record<string, unknown> => JSON.parse(readFileSync(join(folder(c), 'config.json'), 'utf8'));

  it('Hibou style (Dinov2WithRegisters): registers without positions, SwiGLU hidden 176 from the weights, mask_token unused', async () => {
    const ck = await loadCheckpoint(folder('hf_dinov2_reg_swiglu'));
    const plan = ck.plan as VitPlan;
    expect(plan.family).toBe('hf-dinov2');
    expect(plan.registers).toEqual({ name: 'embeddings.register_tokens', count: 4 });
    expect(plan.pos).toMatchObject({ covers: 'cls+patches', grid: [4, 4], resample: 'bicubic-antialias' });
    expect(plan.blocks[0]!.mlp).toMatchObject({ kind: 'swiglu', hidden: 176, fc1: { weight: 'encoder.layer.0.mlp.weights_in.weight' } });
    expect(plan.blocks[0]!.ls1).toBe('encoder.layer.0.layer_scale1.lambda1');
    expect(ck.loadReport.unusedKeys).toEqual(['embeddings.mask_token']);
    expect(new Set(planTensorNames(plan))).toEqual(new Set(ck.weights.keys()));
  });

  it('H-optimus style (timm reg4 dinov2): no_embed_class table over the patches only, fused qkv, eps 1e-6', async () => {
    const ck = await loadCheckpoint(folder('timm_vit_swiglu_reg'));
    const plan = ck.plan as VitPlan;
    expect(plan.pos).toMatchObject({ name: 'pos_embed', covers: 'patches', grid: [4, 4] });
    expect(plan.blocks[1]!.attn.qkv).toMatchObject({ kind: 'fused', qkv: { weight: 'blocks.1.attn.qkv.weight', in: 48, out: 144 } });
    expect(plan.norm).toEqual({ weight: 'norm.weight', bias: 'norm.bias', eps: 1e-6 });
    expect(embeddingDim(plan)).toBe(48);
  });

  it('a config that declares SwiGLU over plain-MLP weights is refused naming the tensor', async () => {
    const ck = await loadCheckpoint(folder('timm_vit_layerscale'));
    const cfg = config('timm_vit_layerscale');
    (cfg['model_args'] as Record<string, unknown>)['mlp_layer'] = 'timm.layers.SwiGLUPacked';
    expect(() => timmVitPlan(cfg, (n) => ck.weights.get(n)?.shape)).toThrow(/SwiGLU declared but blocks\.0\.mlp\.fc1\.weight has 256 rows/);
  });

  it('LayerScale must agree with init_values; a missing tensor is named', async () => {
    const ck = await loadCheckpoint(folder('timm_vit_layerscale'));
    const cfg = config('timm_vit_layerscale');
    delete (cfg['model_args'] as Record<string, unknown>)['init_values'];
    expect(() => timmVitPlan(cfg, (n) => ck.weights.get(n)?.shape)).toThrow(/blocks\.0: LayerScale gammas present but init_values is not set/);
    expect(() => timmVitPlan(config('timm_vit_layerscale'), (n) => (n === 'blocks.1.attn.proj.weight' ? undefined : ck.weights.get(n)?.shape))).toThrow(
      /the checkpoint has no tensor blocks\.1\.attn\.proj\.weight/,
    );
  });

  it('Dinov2Model (Phikon-v2 style) with a dinov2. prefix and another input size', async () => {
    const ck = await loadCheckpoint(folder('hf_dinov2'));
    const prefixed = new Map([...ck.weights].map(([k, v]) => [`dinov2.${k}`, v.shape]));
    const plan = hfDinov2Plan(config('hf_dinov2'), (n) => prefixed.get(n), { inputSize: [70, 70] });
    expect(plan.clsToken).toBe('dinov2.embeddings.cls_token');
    expect(plan.pos).toMatchObject({ covers: 'all', resample: 'bicubic' });
    expect(plan.inputSize).toEqual([70, 70]);
    expect(() => hfDinov2Plan(config('hf_dinov2'), (n) => prefixed.get(n), { inputSize: [60, 60] })).toThrow(/not a multiple of patch size 14/);
  });
});

/**
 * The catalogue against what the golden checkpoints in ../shared/oracle/fm record for the model
 * each was built after (its mean/std, pooling, timm kwargs passed in code), and against itself
 * (ids the Hub accepts, pooled width, the kwargs a model card passes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueEntry, licenceLine } from '../../../src/main/ml/hub/catalogue.js';
import { buildHint } from '../../../src/main/ml/hub/hint.js';
import { isHubId } from '../../../src/main/ml/hub/repo-id.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const FM = sharedPath('oracle/fm');
const hintOf = (folder: string) => JSON.parse(readFileSync(join(FM!, folder, 'tessella_model.json'), 'utf8'));

describe('the catalogue of pathology foundation models', () => {
  it('has one entry per valid Hub id, pooled widths that follow the pooling, and normalisations of 3 channels', () => {
    expect(new Set(CATALOGUE.map((e) => e.id.toLowerCase())).size).toBe(CATALOGUE.length);
    for (const e of CATALOGUE) {
      expect(isHubId(e.id), e.id).toBe(true);
      expect(e.embeddingDim, e.id).toBe(e.pooling === 'cls+mean' ? 2 * e.width : e.width);
      expect(e.mean, e.id).toHaveLength(3);
      expect(e.std.every((s) => s > 0), e.id).toBe(true);
      expect(e.inputSize, e.id).toBe(224);
    }
    expect(catalogueEntry('mahmoodlab/uni2-h')?.id).toBe('MahmoodLab/UNI2-h');
    expect(catalogueEntry('someone/else')).toBeNull();
  });

  it('passes UNI2-h the timm kwargs its model card does', () => {
    expect(catalogueEntry('MahmoodLab/UNI2-h')!.timmCreateModelExtraKwargs).toEqual({
      img_size: 224,
      patch_size: 14,
      depth: 24,
      num_heads: 24,
      init_values: 1e-5,
      embed_dim: 1536,
      mlp_ratio: 5.33334,
      num_classes: 0,
      no_embed_class: true,
      mlp_layer: 'timm.layers.SwiGLUPacked',
      act_layer: 'torch.nn.SiLU',
      reg_tokens: 8,
      dynamic_img_size: true,
    });
    expect(catalogueEntry('MahmoodLab/UNI')!.timmCreateModelExtraKwargs).toEqual({ init_values: 1e-5, dynamic_img_size: true });
  });

  it('states the licence and the gate before a pull, and says so when it does not know them', () => {
    expect(licenceLine('MahmoodLab/UNI', catalogueEntry('MahmoodLab/UNI'))).toBe('UNI (MahmoodLab/UNI): licence CC-BY-NC-ND-4.0; gated (accept its conditions on the Hub and set HF_TOKEN)');
    expect(licenceLine('bioptimus/H-optimus-0', catalogueEntry('bioptimus/H-optimus-0'))).toBe('H-optimus-0 (bioptimus/H-optimus-0): licence: see the model card; gating: see the model card');
    expect(licenceLine('a/b', null)).toMatch(/^a\/b is not in Tessella's catalogue/);
  });

  describe('matches the golden checkpoints modelled on its models', needs(FM), () => {
    it('Virchow2: cls+mean over the patches, SwiGLUPacked/SiLU passed in code, ImageNet normalisation', () => {
      const golden = hintOf('timm_vit_virchow2_style');
      const hint = buildHint(catalogueEntry('paige-ai/Virchow2'), { source: { repo: 'paige-ai/Virchow2', revision: 'main', commit: '0'.repeat(40), endpoint: 'x' }, files: [], weights: ['model.safetensors'], gated: true });
      expect(hint.schema).toBe(golden.schema);
      expect(hint.pooling).toBe(golden.pooling);
      expect(hint.timm_create_model_extra_kwargs).toEqual(golden.timm_create_model_extra_kwargs);
      expect(hint.mean).toEqual(golden.mean);
      expect(hint.std).toEqual(golden.std);
      expect(hint.architecture).toBe(golden.architecture);
      expect((hint.tokens as { registers: number }).registers).toBe(golden.tokens.registers);
    });

    it('H-optimus, Hibou and Lunit: their own normalisations; UNI, Phikon-v2: layout and pooling', () => {
      const pairs: [string, string][] = [
        ['timm_vit_swiglu_reg', 'bioptimus/H-optimus-0'],
        ['hf_dinov2_reg_swiglu', 'histai/hibou-b'],
        ['timm_vit_plain', '1aurent/vit_small_patch8_224.lunit_dino'],
        ['timm_vit_layerscale', 'MahmoodLab/UNI'],
        ['hf_dinov2', 'owkin/phikon-v2'],
      ];
      for (const [folder, id] of pairs) {
        const golden = hintOf(folder);
        const e = catalogueEntry(id)!;
        expect([...e.mean], id).toEqual(golden.mean);
        expect([...e.std], id).toEqual(golden.std);
        expect(e.pooling, id).toBe(golden.pooling);
        expect(e.architecture, id).toBe(golden.architecture);
        expect(e.family.startsWith(golden.source_format === 'timm' ? 'timm' : 'transformers'), id).toBe(true);
        if (golden.tokens.registers) expect(e.registers, id).toBe(golden.tokens.registers);
      }
    });
  });
});

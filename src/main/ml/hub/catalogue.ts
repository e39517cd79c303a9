/**
 * Pathology foundation models Tessella knows how to read, as their authors publish them on the
 * Hub. What a checkpoint's own config.json says is not repeated; what only the model card says
 * (timm kwargs passed in code, the pooling, the normalisation, the resolution) is written here,
 * and into `tessella_model.json` when the model is pulled. Weights are never bundled: a pull
 * fetches them from the authors' repo under their licence.
 *
 * A fact left out is one we could not confirm; the comment beside an entry says which.
 */

export type ModelFamily =
  /** transformers ViTModel folder (config.json + weights). */
  | 'transformers-vit'
  /** transformers Dinov2Model folder. */
  | 'transformers-dinov2'
  /** transformers Dinov2WithRegistersModel folder. */
  | 'transformers-dinov2-registers'
  /** timm hub folder: config.json {architecture, model_args, pretrained_cfg} + weights. */
  | 'timm-vit';

export interface CatalogueEntry {
  /** Hub id, as the authors spell it. */
  id: string;
  name: string;
  family: ModelFamily;
  /** transformers class, or the timm model name config.json gives. */
  architecture: string;
  /**
   * Keyword arguments the model card passes to `timm.create_model` beyond config.json. Classes are
   * written by their import path (`timm.layers.SwiGLUPacked`, `torch.nn.SiLU`).
   */
  timmCreateModelExtraKwargs?: Record<string, string | number | boolean>;
  /** `cls`: the class token after the final norm; `cls+mean`: it concatenated with the mean of the patch tokens. */
  pooling: 'cls' | 'cls+mean';
  /** Register tokens between the class token and the patches (skipped by the patch mean). */
  registers?: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Side of the square tile the model takes, pixels. */
  inputSize: number;
  /** Resolution (µm per pixel) the model was trained at, where the authors give one. */
  mpp?: number;
  /** Width of one token. */
  width: number;
  /** Length of the pooled embedding (2 × width for cls+mean). */
  embeddingDim: number;
  /** Millions of parameters of the encoder. */
  parametersM?: number;
  license?: string;
  /** Whether the Hub asks users to accept conditions before the files are served. */
  gated?: boolean;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const H_OPTIMUS = { mean: [0.707223, 0.578729, 0.703617], std: [0.211883, 0.230117, 0.177517] } as const;
const HIBOU = { mean: [0.7068, 0.5755, 0.722], std: [0.195, 0.2316, 0.1816] } as const;
const LUNIT = { mean: [0.70322989, 0.53606487, 0.66096631], std: [0.21716536, 0.26081574, 0.20723464] } as const;
const SWIGLU = { mlp_layer: 'timm.layers.SwiGLUPacked', act_layer: 'torch.nn.SiLU' } as const;

/** Bioptimus' H-optimus-0 and -1 share their architecture and normalisation. */
function hOptimus(version: 0 | 1): CatalogueEntry {
  return {
    id: `bioptimus/H-optimus-${version}`,
    name: `H-optimus-${version}`,
    family: 'timm-vit',
    architecture: 'vit_giant_patch14_reg4_dinov2',
    timmCreateModelExtraKwargs: { init_values: 1e-5, dynamic_img_size: false },
    pooling: 'cls',
    registers: 4,
    ...H_OPTIMUS,
    inputSize: 224,
    mpp: 0.5,
    width: 1536,
    embeddingDim: 1536,
    parametersM: 1100,
    // not confirmed: the licence and whether the repo is gated
  };
}

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'owkin/phikon',
    name: 'Phikon',
    family: 'transformers-vit',
    architecture: 'ViTModel',
    // the card takes last_hidden_state[:, 0], not ViTModel's pooler (a dense + tanh on top)
    pooling: 'cls',
    ...IMAGENET,
    inputSize: 224,
    mpp: 0.5,
    width: 768,
    embeddingDim: 768,
    parametersM: 86,
    license: 'Owkin non-commercial licence',
    gated: false,
  },
  {
    id: 'owkin/phikon-v2',
    name: 'Phikon-v2',
    family: 'transformers-dinov2',
    architecture: 'Dinov2Model',
    pooling: 'cls',
    ...IMAGENET,
    inputSize: 224,
    // not confirmed: the training resolution and the exact parameter count (a ViT-L)
    width: 1024,
    embeddingDim: 1024,
    license: 'Owkin non-commercial licence',
    gated: false,
  },
  {
    id: 'MahmoodLab/UNI',
    name: 'UNI',
    family: 'timm-vit',
    architecture: 'vit_large_patch16_224',
    timmCreateModelExtraKwargs: { init_values: 1e-5, dynamic_img_size: true },
    pooling: 'cls',
    ...IMAGENET,
    inputSize: 224,
    mpp: 0.5,
    width: 1024,
    embeddingDim: 1024,
    parametersM: 303,
    license: 'CC-BY-NC-ND-4.0',
    gated: true,
  },
  {
    id: 'MahmoodLab/UNI2-h',
    name: 'UNI2-h',
    family: 'timm-vit',
    architecture: 'vit_giant_patch14_224',
    timmCreateModelExtraKwargs: {
      img_size: 224,
      patch_size: 14,
      depth: 24,
      num_heads: 24,
      init_values: 1e-5,
      embed_dim: 1536,
      mlp_ratio: 2.66667 * 2,
      num_classes: 0,
      no_embed_class: true,
      ...SWIGLU,
      reg_tokens: 8,
      dynamic_img_size: true,
    },
    pooling: 'cls',
    registers: 8,
    ...IMAGENET,
    inputSize: 224,
    // not confirmed: a single training resolution
    width: 1536,
    embeddingDim: 1536,
    parametersM: 681,
    license: 'CC-BY-NC-ND-4.0',
    gated: true,
  },
  {
    id: 'paige-ai/Virchow',
    name: 'Virchow',
    family: 'timm-vit',
    architecture: 'vit_huge_patch14_224',
    timmCreateModelExtraKwargs: { ...SWIGLU },
    // concat(class token, mean of output[:, 1:])
    pooling: 'cls+mean',
    registers: 0,
    ...IMAGENET,
    inputSize: 224,
    mpp: 0.5,
    width: 1280,
    embeddingDim: 2560,
    parametersM: 632,
    // not confirmed: the licence identifier (read it on the model card before use)
    gated: true,
  },
  {
    id: 'paige-ai/Virchow2',
    name: 'Virchow2',
    family: 'timm-vit',
    architecture: 'vit_huge_patch14_224',
    timmCreateModelExtraKwargs: { ...SWIGLU },
    // concat(class token, mean of output[:, 5:]): the 4 registers are left out of the mean
    pooling: 'cls+mean',
    registers: 4,
    ...IMAGENET,
    inputSize: 224,
    // trained on mixed magnifications (5x to 40x): no single mpp
    width: 1280,
    embeddingDim: 2560,
    parametersM: 632,
    license: 'CC-BY-NC-ND-4.0',
    gated: true,
  },
  hOptimus(0),
  hOptimus(1),
  {
    id: 'prov-gigapath/prov-gigapath',
    name: 'Prov-GigaPath (tile encoder)',
    family: 'timm-vit',
    architecture: 'vit_giant_patch14_dinov2',
    // config.json carries every model argument; nothing is passed in code
    pooling: 'cls',
    ...IMAGENET,
    inputSize: 224,
    width: 1536,
    embeddingDim: 1536,
    // not confirmed: training mpp, parameter count, licence and gating
  },
  {
    id: 'histai/hibou-b',
    name: 'Hibou-B',
    family: 'transformers-dinov2-registers',
    architecture: 'Dinov2WithRegistersModel',
    pooling: 'cls',
    registers: 4,
    ...HIBOU,
    inputSize: 224,
    width: 768,
    embeddingDim: 768,
    // not confirmed: training mpp, parameter count, licence and gating
  },
  {
    id: 'histai/hibou-L',
    name: 'Hibou-L',
    family: 'transformers-dinov2-registers',
    architecture: 'Dinov2WithRegistersModel',
    pooling: 'cls',
    registers: 4,
    ...HIBOU,
    inputSize: 224,
    width: 1024,
    embeddingDim: 1024,
    // not confirmed: training mpp, parameter count, licence and gating
  },
  {
    id: '1aurent/vit_small_patch8_224.lunit_dino',
    name: 'Lunit DINO ViT-S/8',
    family: 'timm-vit',
    architecture: 'vit_small_patch8_224',
    pooling: 'cls',
    ...LUNIT,
    inputSize: 224,
    width: 384,
    embeddingDim: 384,
    parametersM: 21.7,
    // a community port of Lunit's weights; not confirmed: training mpp and the licence terms
  },
  // Kaiko's models (kaiko-ai/...) are left out until their Hub layout and pooling are confirmed.
];

/** The entry for a Hub id (case-insensitive, as the Hub resolves ids), or null. */
export function catalogueEntry(id: string): CatalogueEntry | null {
  const k = id.toLowerCase();
  return CATALOGUE.find((e) => e.id.toLowerCase() === k) ?? null;
}

/** One line shown before a pull: the licence and whether the repo is gated. */
export function licenceLine(id: string, entry: CatalogueEntry | null): string {
  if (!entry) return `${id} is not in Tessella's catalogue: read its model card for the licence, pooling and normalisation`;
  const licence = entry.license ? `licence ${entry.license}` : 'licence: see the model card';
  const gate = entry.gated === true ? 'gated (accept its conditions on the Hub and set HF_TOKEN)' : entry.gated === false ? 'not gated' : 'gating: see the model card';
  return `${entry.name} (${entry.id}): ${licence}; ${gate}`;
}

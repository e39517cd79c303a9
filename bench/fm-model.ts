/**
 * Random-weight timm ViT folders of real backbone sizes (config.json + model.safetensors,
 * written tensor by tensor so a 1.1 B-parameter model never sits in memory whole). Speed and
 * memory do not depend on the values; small uniform weights keep the activations finite.
 */
import { open, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface VitSize {
  name: string;
  architecture: string;
  dim: number;
  depth: number;
  heads: number;
  patch: number;
  /** fc1 rows (2·hidden for SwiGLU). */
  fc1: number;
  swiglu: boolean;
  registers: number;
  noEmbedClass: boolean;
  img: number;
}

/** The backbone sizes researchers use: Kaiko/Lunit ViT-S, Phikon ViT-B, UNI ViT-L, Virchow2 ViT-H, H-optimus/UNI2 ViT-g. */
export const VIT_SIZES: VitSize[] = [
  { name: 'ViT-S/16', architecture: 'vit_small_patch16_224', dim: 384, depth: 12, heads: 6, patch: 16, fc1: 1536, swiglu: false, registers: 0, noEmbedClass: false, img: 224 },
  { name: 'ViT-B/16', architecture: 'vit_base_patch16_224', dim: 768, depth: 12, heads: 12, patch: 16, fc1: 3072, swiglu: false, registers: 0, noEmbedClass: false, img: 224 },
  { name: 'ViT-L/16', architecture: 'vit_large_patch16_224', dim: 1024, depth: 24, heads: 16, patch: 16, fc1: 4096, swiglu: false, registers: 0, noEmbedClass: false, img: 224 },
  { name: 'ViT-H/14', architecture: 'vit_huge_patch14_224', dim: 1280, depth: 32, heads: 16, patch: 14, fc1: 6832, swiglu: true, registers: 4, noEmbedClass: false, img: 224 },
  { name: 'ViT-g/14', architecture: 'vit_giant_patch14_reg4_dinov2', dim: 1536, depth: 40, heads: 24, patch: 14, fc1: 8192, swiglu: true, registers: 4, noEmbedClass: true, img: 224 },
];

export function tensorShapes(s: VitSize): [string, number[]][] {
  const D = s.dim;
  const grid = (s.img / s.patch) ** 2;
  const out: [string, number[]][] = [
    ['cls_token', [1, 1, D]],
    ['pos_embed', [1, grid + (s.noEmbedClass ? 0 : 1 + s.registers), D]],
    ['patch_embed.proj.weight', [D, 3, s.patch, s.patch]],
    ['patch_embed.proj.bias', [D]],
  ];
  if (s.registers) out.push(['reg_token', [1, s.registers, D]]);
  for (let l = 0; l < s.depth; l++) {
    const p = `blocks.${l}`;
    const hidden = s.swiglu ? s.fc1 / 2 : s.fc1;
    out.push(
      [`${p}.norm1.weight`, [D]], [`${p}.norm1.bias`, [D]],
      [`${p}.attn.qkv.weight`, [3 * D, D]], [`${p}.attn.qkv.bias`, [3 * D]],
      [`${p}.attn.proj.weight`, [D, D]], [`${p}.attn.proj.bias`, [D]],
      [`${p}.ls1.gamma`, [D]],
      [`${p}.norm2.weight`, [D]], [`${p}.norm2.bias`, [D]],
      [`${p}.mlp.fc1.weight`, [s.fc1, D]], [`${p}.mlp.fc1.bias`, [s.fc1]],
      [`${p}.mlp.fc2.weight`, [D, hidden]], [`${p}.mlp.fc2.bias`, [D]],
      [`${p}.ls2.gamma`, [D]],
    );
  }
  out.push(['norm.weight', [D]], ['norm.bias', [D]]);
  return out;
}

export function parameterCount(s: VitSize): number {
  return tensorShapes(s).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 → IEEE half (round to nearest even); enough for random weights in ±0.05 (no overflow, subnormals flushed). */
function toHalf(x: number): number {
  scratch[0] = x;
  const u = scratchBits[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  const mant = u & 0x7fffff;
  let h = sign | (exp << 10) | (mant >>> 13);
  if ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) === 0x1000 && (h & 1))) h++;
  return h;
}

/** Writes `<dir>/config.json` and `<dir>/model.safetensors` (F32 or F16) for size `s`. */
export async function writeRandomVit(dir: string, s: VitSize, dtype: 'F32' | 'F16'): Promise<number> {
  await mkdir(dir, { recursive: true });
  const shapes = tensorShapes(s);
  const item = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * item;
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fh = await open(join(dir, 'model.safetensors'), 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    await fh.write(len);
    await fh.write(Buffer.from(json));
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.1;
    for (const [name, shape] of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      const isNormWeight = /norm\d?\.weight$|gamma$/.test(name);
      const chunk = 1 << 20;
      for (let start = 0; start < n; start += chunk) {
        const m = Math.min(chunk, n - start);
        // Typed views, not Buffer.write* per value: a ViT-g is 1.1 B values.
        if (dtype === 'F32') {
          const a = new Float32Array(m);
          for (let i = 0; i < m; i++) a[i] = isNormWeight ? 1 + rand() : rand();
          await fh.write(new Uint8Array(a.buffer));
        } else {
          const a = new Uint16Array(m);
          for (let i = 0; i < m; i++) a[i] = toHalf(isNormWeight ? 1 + rand() : rand());
          await fh.write(new Uint8Array(a.buffer));
        }
      }
    }
  } finally {
    await fh.close();
  }
  const config = {
    architecture: s.architecture,
    num_classes: 0,
    global_pool: 'token',
    model_args: {
      img_size: s.img,
      patch_size: s.patch,
      embed_dim: s.dim,
      depth: s.depth,
      num_heads: s.heads,
      mlp_ratio: s.fc1 / s.dim + 1e-6, // timm takes int(dim·ratio): nudge so rounding cannot lose a row
      init_values: 1e-5,
      reg_tokens: s.registers,
      no_embed_class: s.noEmbedClass,
      num_classes: 0,
      ...(s.swiglu ? { mlp_layer: 'timm.layers.SwiGLUPacked', act_layer: 'torch.nn.SiLU' } : {}),
    },
    pretrained_cfg: { input_size: [3, s.img, s.img], interpolation: 'bicubic', crop_pct: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 1));
  return 8 + json.length + offset;
}

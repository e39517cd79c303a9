/** The repos the stand-in Hub serves in these tests, built from ../shared's tiny checkpoints. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempHome } from '../../helpers/temp-home.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { commitOf, FakeHub, type FakeRepo } from '../../helpers/fake-hub.js';

/** A transformers ViTModel folder, the layout Phikon ships in; current loaders read it. */
export const VIT = sharedPath('oracle/vit_tiny_in21k_style');
/** A Dinov2Model folder with a preprocessor config, the layout Phikon-v2 ships in. */
export const DINOV2 = sharedPath('oracle/fm/hf_dinov2');

export const read = (dir: string, f: string) => readFileSync(join(dir, f));

export const MAIN = commitOf('main');
export const V1 = commitOf('v1.0');

/** What a real repo holds besides what a model needs: these must stay on the Hub. */
function extras(): Record<string, Buffer> {
  return {
    'README.md': Buffer.from('# tiny\n'),
    '.gitattributes': Buffer.from('*.safetensors filter=lfs\n'),
    'model.onnx': Buffer.alloc(4096, 1),
    'flax_model.msgpack': Buffer.alloc(4096, 2),
    'pytorch_model.bin': Buffer.alloc(4096, 3),
    'open_clip_pytorch_model.bin': Buffer.alloc(4096, 4),
  };
}

export function repos(): FakeRepo[] {
  const vit = { 'config.json': read(VIT!, 'config.json'), 'model.safetensors': read(VIT!, 'model.safetensors') };
  const dinov2 = { 'config.json': read(DINOV2!, 'config.json'), 'preprocessor_config.json': read(DINOV2!, 'preprocessor_config.json'), 'model.safetensors': read(DINOV2!, 'model.safetensors') };
  // v1.0 of the ViT repo: the same config, weights with one byte changed (another file, another sha256)
  const v1 = { 'config.json': read(VIT!, 'config.json'), 'model.safetensors': Buffer.concat([read(VIT!, 'model.safetensors')]) };
  v1['model.safetensors'][v1['model.safetensors'].length - 1] ^= 1;
  const shards = {
    'config.json': read(DINOV2!, 'config.json'),
    'model.safetensors.index.json': Buffer.from(JSON.stringify({ metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } })),
    'model-00001-of-00002.safetensors': Buffer.alloc(3000, 7),
    'model-00002-of-00002.safetensors': Buffer.alloc(2000, 8),
    'pytorch_model.bin': Buffer.alloc(5000, 9),
  };
  return [
    { id: 'owkin/phikon', refs: { main: MAIN, 'v1.0': V1 }, commits: { [MAIN]: { ...vit, ...extras() }, [V1]: v1 }, license: 'other' },
    { id: 'owkin/phikon-v2', refs: { main: MAIN }, commits: { [MAIN]: dinov2 } },
    { id: 'MahmoodLab/UNI', refs: { main: MAIN }, commits: { [MAIN]: vit }, gated: 'manual', license: 'cc-by-nc-nd-4.0' },
    { id: 'tiny-org/sharded', refs: { main: MAIN }, commits: { [MAIN]: shards } },
    { id: 'new-org/tiny-vit', formerly: 'old-org/tiny-vit', refs: { main: MAIN }, commits: { [MAIN]: vit } },
    { id: 'tiny-org/no-weights', refs: { main: MAIN }, commits: { [MAIN]: { 'config.json': read(VIT!, 'config.json'), 'model.onnx': Buffer.alloc(10) } } },
  ];
}

export interface HubCliFile {
  home: { dir: string; cleanup(): void };
  /** The stand-in Hub serving repos(), started before the file's tests; a test may stop it and put a new one here. */
  hub: FakeHub;
  /** The environment the CLI runs with: the temp data home, the stand-in Hub, no token. */
  env(): Record<string, string>;
}

/** The set-up of a file of CLI tests against the stand-in Hub: a temp home, the Hub started before and stopped after. */
export function hubCliFile(homePrefix: string): HubCliFile {
  const home = tempHome(homePrefix);
  const file: HubCliFile = {
    home,
    hub: undefined as unknown as FakeHub,
    env: () => ({ TESSELLA_HOME: join(home.dir, 'home'), HF_ENDPOINT: file.hub.endpoint, HF_HOME: join(home.dir, 'hf'), HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '' }),
  };
  beforeAll(async () => {
    if (VIT && DINOV2) file.hub = await new FakeHub(repos()).start();
  });
  afterAll(async () => {
    await file.hub?.stop();
    home.cleanup();
  });
  return file;
}

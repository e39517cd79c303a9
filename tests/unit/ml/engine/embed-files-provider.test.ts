/**
 * Embeddings through embedFiles (head-mode training, head cross-validation, the dataset map) run
 * on the provider they are given, the engine.provider choice, and report the one used: pinned to
 * cpu and left to the default, the reported provider is what the choice function says for that
 * setting (cpu on this machine, which has no GPU provider usable); asked for cuda, which cannot
 * start here, the engine tried it and fell back to cpu, saying why.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pinOf, providersForSetting, resolveProvider } from '../../../../src/main/ml/engine/providers.js';
import { embedFiles } from '../../../../src/main/ml/infer/embed-files.js';
import { needs } from '../../../helpers/needs.js';
import { sharedPath } from '../../../helpers/shared-data.js';

const vitTiny = sharedPath('oracle/vit_tiny');
const lung = sharedPath('data/patches/lc25000_lung');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-embed-provider-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const patches = () => ['lung_aca', 'lung_n'].map((c) => join(lung!, c, readdirSync(join(lung!, c)).sort()[0]!));

describe('embedFiles on the engine.provider choice', needs(vitTiny, lung), () => {
  for (const setting of ['cpu', 'auto'] as const) {
    it(`setting ${setting}: the reported provider is the one the choice function picks`, async () => {
      const choice = await resolveProvider(pinOf(setting, undefined));
      const { providers } = await providersForSetting(setting);
      expect(providers).toEqual([choice.chosen]);
      // a store of its own: the engine must open for the provider to be reported
      const emb = await embedFiles(vitTiny!, patches(), { storeRoot: join(tmp, `store-${setting}`), engineCacheDir: join(tmp, 'onnx'), executionProviders: providers });
      expect(emb.computed).toBe(2);
      expect(emb.provider).toBe(choice.chosen);
      expect(emb.fallbackReason).toBeUndefined();
    }, 120_000);
  }

  it('asked for cuda, which cannot start here, the engine tried it and runs on cpu, saying why', async (t) => {
    if ((await resolveProvider({ providers: ['cuda'], source: 'setting' })).chosen === 'cuda') t.skip(); // a machine with CUDA's libraries
    const emb = await embedFiles(vitTiny!, patches(), { storeRoot: join(tmp, 'store-cuda'), engineCacheDir: join(tmp, 'onnx'), executionProviders: ['cuda'] });
    expect(emb.provider).toBe('cpu');
    // the providers reached the engine: one opened on cpu alone would have nothing to say
    expect(emb.fallbackReason).toMatch(/^cuda: /);
    // the embeddings are the cpu ones
    const cpu = await embedFiles(vitTiny!, patches(), { storeRoot: join(tmp, 'store-cpu'), engineCacheDir: join(tmp, 'onnx') });
    expect(emb.embeddings).toEqual(cpu.embeddings);
  }, 120_000);
});

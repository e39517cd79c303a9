/**
 * A brightfield model on a fluorescence slide: `tessella slide infer` refuses it in one line
 * unless --allow-image-type-mismatch, and analysis.plan / enqueue say why (the UI's warning).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisService } from '../../../src/main/analysis/service';
import { createAppContext } from '../../../src/main/app-context';
import { toDomainError } from '../../../src/main/errors';
import { tessella } from '../../helpers/cli';
import { needs } from '../../helpers/needs';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';

const ndpi = sharedPath(SLIDES.ndpi);
const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');
const home = tempHome('tessella-image-type-refusal-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

describe('tessella slide infer on a fluorescence slide', { ...needs(ndpi, vitTiny), timeout: 300_000 }, () => {
  it('refuses a brightfield model in one line naming the slide, the model and the flag', () => {
    const r = tessella(['slide', 'infer', ndpi!, '--model', vitTiny!, '--mpp', '1', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('tessella:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/slideio_test3-DAPI-2-387\.ndpi" is a fluorescence image but model "vit_tiny" was trained on brightfield images/);
    expect(lines[0]).toMatch(/--allow-image-type-mismatch/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('runs it with --allow-image-type-mismatch, on the fluorescence tissue', () => {
    const r = tessella(['slide', 'infer', ndpi!, '--model', vitTiny!, '--mpp', '4', '--allow-image-type-mismatch', '--json'], env, 240_000);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    // The fluorescence mask keeps most tiles of this section; brightfield rules kept under a tenth.
    expect(j.tiles).toBeGreaterThan(30);
    expect(j.tissueTiles).toBeGreaterThan(j.tiles / 2);
    expect(j.tissueTiles).toBeLessThan(j.tiles);
  });
});

describe('analysis service on image types', { ...needs(ndpi, svs, vitTiny), timeout: 120_000 }, () => {
  it('plan says why, enqueue refuses with a conflict, and a model that declares fluorescence is accepted', async () => {
    const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home2') });
    try {
      const svc = analysisService(ctx);
      const fl = await ctx.slides.ensure(ndpi!);
      const bf = await ctx.slides.ensure(svs!);
      expect([fl.imageType, bf.imageType]).toEqual(['fluorescence', 'brightfield']);
      const plan = await svc.plan(fl.id, vitTiny!, { mpp: 1 });
      expect(plan.imageTypeMismatch).toMatch(/fluorescence image but model "vit_tiny" was trained on brightfield/);
      expect((await svc.plan(bf.id, vitTiny!, { mpp: 4 })).imageTypeMismatch).toBeNull();
      const refused = await svc.enqueue([fl.id], vitTiny!, { mpp: 1 }).catch((e: unknown) => e);
      expect(toDomainError(refused)).toMatchObject({ kind: 'conflict', code: 'image-type-mismatch' });

      // A fluorescence-trained model (config.json says so) suits the fluorescence slide and not the H&E one.
      const flModel = join(home.dir, 'fl_model');
      cpSync(vitTiny!, flModel, { recursive: true });
      const config = join(flModel, 'config.json');
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), image_type: 'fluorescence' }));
      expect((await svc.plan(fl.id, flModel, { mpp: 1 })).imageTypeMismatch).toBeNull();
      expect((await svc.plan(bf.id, flModel, { mpp: 4 })).imageTypeMismatch).toMatch(/brightfield image but model "fl_model" was trained on fluorescence/);
    } finally {
      ctx.close();
    }
  });
});

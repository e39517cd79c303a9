/**
 * Image type and channels as the library stores them and `slide info --json` prints them; a slide
 * an older version added (no type stored) gets its type the next time it is used.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { openSlide } from '../../../src/main/slides/open-slide';
import { SlidesRepo } from '../../../src/main/store/slides-repo';
import { tessella } from '../../helpers/cli';
import { makeQptiff, QPTIFF_CHANNELS } from '../../helpers/make-fluorescence';
import { needs } from '../../helpers/needs';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';

const ndpi = sharedPath(SLIDES.ndpi);
const home = tempHome('tessella-image-type-library-');
afterAll(() => home.cleanup());

describe('slide info --json', { timeout: 120_000 }, () => {
  it('prints imageType and every QPTIFF channel, and the library keeps them', async () => {
    const env = { TESSELLA_HOME: join(home.dir, 'cli') };
    const qptiff = await makeQptiff();
    const r = tessella(['slide', 'info', qptiff, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.imageType).toBe('fluorescence');
    expect(j.channels.map((c: { name: string; color: string }) => [c.name, c.color])).toEqual(QPTIFF_CHANNELS.map((c) => [c.name, c.hex]));
    // The first channel's pyramid (not the other channels' reduced pages as levels), thumbnail and overview found.
    expect(j).toMatchObject({ format: 'qptiff', reader: 'sharp', levelCount: 2, associatedImages: ['thumbnail', 'macro'] });
    expect(j.levels.map((l: { width: number }) => l.width)).toEqual([256, 128]);
    const list = tessella(['slide', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: j.id, imageType: 'fluorescence', channels: j.channels })]);
  });
});

describe('a slide added before image types were recorded', needs(ndpi), () => {
  it('is typed when next used, and the type is stored', async () => {
    const dir = join(home.dir, 'old');
    const ctx = createAppContext({ host: 'cli', home: dir });
    try {
      const reader = await openSlide(ndpi!, { cacheDir: join(dir, 'cache') });
      const repo = new SlidesRepo(ctx.db);
      const old = repo.insert({ path: ndpi!, name: 'old.ndpi', contentHash: 'x', fileSize: 1, reader: reader.readerName, meta: reader.metadata });
      reader.close();
      expect([old.imageType, old.channels]).toEqual([null, []]);
      expect(ctx.slides.list()[0]!.imageType).toBeNull();
      const typed = await ctx.slides.ensure(ndpi!);
      expect(typed.imageType).toBe('fluorescence');
      expect(repo.get(old.id)!.channels.map((c) => c.name)).toEqual(['DAPI 2 (387)']);
    } finally {
      ctx.close();
    }
  });
});

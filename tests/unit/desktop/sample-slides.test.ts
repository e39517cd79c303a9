/** Which sample slides the empty library offers: slide files of the first sample folder that has any. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDirs, sampleSlides } from '../../../src/main/slides/sample-slides.js';
import { repoRoot } from '../../helpers/shared-data.js';

const root = mkdtempSync(join(tmpdir(), 'tessella-samples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f), 'x');
  return dir;
}

describe('sample slides', () => {
  it('lists the slide files of the first folder that has any, by name', () => {
    const installed = folder('installed', ['b.svs', 'README.txt', '.hidden.svs', 'a.tiff']);
    const checkout = folder('checkout', ['c.svs']);
    expect(sampleSlides([join(root, 'absent'), installed, checkout])).toEqual([
      { name: 'a.tiff', path: join(installed, 'a.tiff') },
      { name: 'b.svs', path: join(installed, 'b.svs') },
    ]);
    expect(sampleSlides([folder('only-text', ['notes.txt']), checkout])).toEqual([{ name: 'c.svs', path: join(checkout, 'c.svs') }]);
    expect(sampleSlides([join(root, 'absent')])).toEqual([]);
  });

  it("looks in the checkout's resources/sample, or only where TESSELLA_SAMPLE_DIR says", () => {
    expect(sampleDirs({})).toContain(join(repoRoot, 'resources', 'sample'));
    expect(sampleDirs({ TESSELLA_SAMPLE_DIR: '/somewhere' })).toEqual(['/somewhere']);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFolder } from '../../../src/main/datasets/scan-folder.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Scanning only lists files, so empty files stand in for images here. */
function tree(root: string, files: string[]): string {
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

describe('scanFolder layouts', () => {
  it('a class called "test" holding images is a class, not a split', async () => {
    const root = tree(join(tmp, 'a'), ['test/1.png', 'tumour/2.PNG', 'tumour/.DS_Store', '.hidden/3.png', 'labels.csv']);
    const r = await scanFolder(root);
    expect(r.entries.map((e) => [e.rel, e.label, e.split])).toEqual([
      ['test/1.png', 'test', null],
      ['tumour/2.PNG', 'tumour', null],
    ]);
    expect(r.ignored).toBe(1);
    expect(r.problems).toEqual([]);
  });

  it('the level below the class names the group, at any depth; split folders carry their split', async () => {
    const root = tree(join(tmp, 'b'), ['Train/tumour/slide-1/x/1.jpg', 'Train/tumour/2.jpg', 'validation/stroma/slide-2/3.tif', 'train/../loose.jpg']);
    const r = await scanFolder(root);
    expect(r.entries.map((e) => [e.rel, e.label, e.split, e.group])).toEqual([
      ['Train/tumour/2.jpg', 'tumour', 'train', null],
      ['Train/tumour/slide-1/x/1.jpg', 'tumour', 'train', 'slide-1'],
      ['validation/stroma/slide-2/3.tif', 'stroma', 'val', 'slide-2'],
    ]);
    expect(r.problems.map((p) => p.path)).toEqual([join(root, 'loose.jpg')]);
  });

  it('follows a symlinked folder once and does not loop', async () => {
    const root = tree(join(tmp, 'c'), ['cls/1.png']);
    symlinkSync(join(root, 'cls'), join(root, 'cls', 'again'));
    const r = await scanFolder(root);
    expect(r.entries.map((e) => e.rel)).toEqual(['cls/1.png']);
  });
});

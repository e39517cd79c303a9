import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { datasetImageThumbnail } from '../../../src/main/datasets/thumbnail.js';
import { datasetLabels, datasetSplitImages } from '../../../src/main/datasets/query.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const contract = inProcessContract('tessella-ds-handlers-');
const call = contract.call;

describe('datasets.* calls on LC25000', needs(lung), () => {
  let id: number;

  it('import reports progress as job.progress events and returns the summary', async () => {
    const events: { jobId: string; state: string; message?: string; done: number; total: number }[] = [];
    const off = contract.ctx.events.onAny((name, p) => {
      if (name === 'job.progress') events.push(p as (typeof events)[number]);
    });
    const s = await call('datasets.import', { path: lung, name: 'lung', seed: 3, jobId: 'job-1' });
    off();
    id = s.id;
    expect(s.images).toBe(90);
    expect(events.every((e) => e.jobId === 'job-1')).toBe(true);
    expect(events.map((e) => e.message)).toContain('read');
    expect(events.at(-1)).toMatchObject({ state: 'completed', done: 90, total: 90 });
  });

  it('get gives class counts per split that add up, and list names the classes in index order', async () => {
    const d = await call('datasets.get', { id });
    expect(d.classes.map((c) => [c.label, c.index, c.total])).toEqual([
      ['lung_aca', 0, 30],
      ['lung_n', 1, 30],
      ['lung_scc', 2, 30],
    ]);
    for (const c of d.classes) expect(c.train + c.val + c.test).toBe(30);
    expect(d.splits.train + d.splits.val + d.splits.test).toBe(90);
    expect(d.splits.unassigned).toBe(0);
    expect(d.errors).toEqual([]);
    // LC25000's own rotated copies (lungn1773 of lungn1150, lungn4821 of lungn2243)
    expect(d.duplicates).toEqual({ exact: 0, near: 2 });
    const list = await call('datasets.list', {});
    expect(list.map((x) => [x.name, x.images, x.labels])).toEqual([['lung', 90, ['lung_aca', 'lung_n', 'lung_scc']]]);
  });

  it('images pages by class and split, in a stable sample order', async () => {
    const page = await call('datasets.images', { id, label: 'lung_n', split: 'train', order: 'sample', limit: 8 });
    expect(page.total).toBe(21);
    expect(page.items).toHaveLength(8);
    expect(page.items.every((i) => i.label === 'lung_n' && i.split === 'train' && i.width === 224)).toBe(true);
    const next = await call('datasets.images', { id, label: 'lung_n', split: 'train', order: 'sample', limit: 8, offset: 8 });
    expect(next.items.map((i) => i.id)).not.toContain(page.items[0].id);
    const again = await call('datasets.images', { id, label: 'lung_n', split: 'train', order: 'sample', limit: 8 });
    expect(again.items).toEqual(page.items);
    await expect(call('datasets.images', { id, limit: 5000 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(call('datasets.images', { id: 999 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('thumbnails are JPEGs scaled to fit, only for images in the dataset', async () => {
    const { items } = await call('datasets.images', { id, limit: 1 });
    const jpeg = await datasetImageThumbnail(contract.ctx, items[0].id, 128, id);
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 128, 128]);
    const full = await sharp(await datasetImageThumbnail(contract.ctx, items[0].id, 512)).metadata();
    expect(full.width).toBe(224);
    await expect(datasetImageThumbnail(contract.ctx, items[0].id, 128, id + 1)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('training reads splits as (path, label index) against the label order', async () => {
    const labels = datasetLabels(contract.ctx.db, id);
    expect(labels).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    const train = datasetSplitImages(contract.ctx.db, id, 'train');
    expect(train).toHaveLength(63);
    for (const t of train) expect(t.path.split('/').at(-2)).toBe(labels[t.labelIndex]);
    const all = [...train, ...datasetSplitImages(contract.ctx.db, id, 'val'), ...datasetSplitImages(contract.ctx.db, id, 'test')];
    expect(new Set(all.map((t) => t.path)).size).toBe(90);
  });

  it('a cancelled import leaves nothing behind; remove forgets the dataset', async () => {
    const running = call('datasets.import', { path: lung, name: 'cancelled', jobId: 'job-2' });
    await expect(call('datasets.cancelImport', { jobId: 'job-2' })).resolves.toEqual({ cancelled: true });
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect((await call('datasets.list', {})).map((d) => d.name)).toEqual(['lung']);
    await expect(call('datasets.cancelImport', { jobId: 'job-2' })).resolves.toEqual({ cancelled: false });

    expect(await call('datasets.remove', { id })).toEqual({ removed: true });
    expect(await call('datasets.list', {})).toEqual([]);
    expect(contract.ctx.db.prepare('SELECT count(*) AS n FROM images').get()).toEqual({ n: 0 });
    await expect(call('datasets.get', { id })).rejects.toMatchObject({ code: 'not-found' });
  });
});

/**
 * Patch labelling on a real dataset (a copy of LC25000 lung): labels written to SQLite at once,
 * exact undo/redo, model suggestions from the tiny oracle ViT checked against the TensorFlow.js
 * engine, uncertainty order and filters; then the queries at 100,000 images.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { datasetLabels, datasetSplitImages } from '../../../src/main/datasets/query.js';
import { predictFiles } from '../../../src/main/ml/infer/predict-tfjs.js';
import { ImagePredictionsRepo } from '../../../src/main/store/image-predictions-repo.js';
import type { CallOutput } from '../../../src/shared/api.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');
const contract = inProcessContract('tessella-labelling-');
const call = contract.call;

/** Every image's label as another connection to the file sees it: what a training run would read. */
function labelsOnDisk(datasetId: number): Map<number, string | null> {
  const db = new Database(contract.ctx.home.db, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT i.id, l.name FROM images i LEFT JOIN labels l ON l.id = i.label_id WHERE i.dataset_id = ? ORDER BY i.id')
      .all(datasetId) as { id: number; name: string | null }[];
    return new Map(rows.map((r) => [r.id, r.name]));
  } finally {
    db.close();
  }
}

describe('labelling a copy of LC25000 lung', needs(lung), () => {
  let id: number;
  let byClass: Record<string, number[]>;
  let original: Map<number, string | null>;

  beforeAll(async () => {
    const copy = join(contract.dir, 'lung');
    cpSync(lung!, copy, { recursive: true });
    id = (await call('datasets.import', { path: copy, name: 'lung', seed: 1 })).id;
    original = labelsOnDisk(id);
    byClass = {};
    for (const [imageId, label] of original) (byClass[label!] ??= []).push(imageId);
  });

  it('setLabel writes SQLite at once, and training reads the new labels', async () => {
    const moved = byClass.lung_aca.slice(0, 2);
    const step = await call('datasets.setLabel', { datasetId: id, imageIds: moved, label: 'lung_n' });
    expect(step).toMatchObject({ applied: true, canUndo: true, canRedo: false, undoLabel: 'label 2 images lung_n', labels: ['lung_aca', 'lung_n', 'lung_scc'] });
    expect(step.changes).toEqual([{ label: 'lung_n', imageIds: moved }]);
    const disk = labelsOnDisk(id);
    expect(moved.map((m) => disk.get(m))).toEqual(['lung_n', 'lung_n']);
    const d = await call('datasets.get', { id });
    expect(d.classes.map((c) => c.total)).toEqual([28, 32, 30]);
    const all = [...datasetSplitImages(contract.ctx.db, id, 'train'), ...datasetSplitImages(contract.ctx.db, id, 'val'), ...datasetSplitImages(contract.ctx.db, id, 'test')];
    const paths = new Map((await call('datasets.images', { id, limit: 1000 })).items.map((i) => [i.id, i.path]));
    for (const m of moved) expect(all.find((t) => t.path === paths.get(m))?.labelIndex).toBe(1);

    // Already labelled so: nothing to do, and no step recorded.
    const again = await call('datasets.setLabel', { datasetId: id, imageIds: moved, label: 'lung_n' });
    expect(again).toMatchObject({ applied: false, changes: [], undoLabel: 'label 2 images lung_n' });
    await expect(call('datasets.setLabel', { datasetId: id, imageIds: [999_999], label: 'lung_n' })).rejects.toMatchObject({ code: 'not-found' });
    await call('datasets.undo', { datasetId: id });
    expect(labelsOnDisk(id)).toEqual(original);
  });

  it('undo and redo put back exactly what was there, a new class included', async () => {
    const a = byClass.lung_aca.slice(0, 3);
    const n = byClass.lung_n.slice(0, 4);
    const s = byClass.lung_scc.slice(0, 5);
    await call('datasets.setLabel', { datasetId: id, imageIds: [...a, ...n], label: 'lung_scc' });
    const created = await call('datasets.setLabel', { datasetId: id, imageIds: [...n, ...s], label: 'artefact' });
    expect(created.labels).toEqual(['lung_aca', 'lung_n', 'lung_scc', 'artefact']);
    expect(datasetLabels(contract.ctx.db, id)).toEqual(['lung_aca', 'lung_n', 'lung_scc', 'artefact']);
    await call('datasets.setLabel', { datasetId: id, imageIds: [a[0], s[0]], label: null });
    const after = labelsOnDisk(id);
    expect([a[0], s[0]].map((x) => after.get(x))).toEqual([null, null]);
    expect((await call('datasets.images', { id, label: null })).items.map((i) => i.id).sort()).toEqual([a[0], s[0]].sort());

    const undone1 = await call('datasets.undo', { datasetId: id });
    expect(undone1.changes).toEqual([
      { label: 'lung_scc', imageIds: [a[0]] },
      { label: 'artefact', imageIds: [s[0]] },
    ]);
    const undone2 = await call('datasets.undo', { datasetId: id });
    expect(undone2.labels).toEqual(['lung_aca', 'lung_n', 'lung_scc']); // the class the step made is gone again
    await call('datasets.undo', { datasetId: id });
    expect(labelsOnDisk(id)).toEqual(original);
    expect(await call('datasets.history', { datasetId: id })).toEqual({ canUndo: false, canRedo: true, undoLabel: null, redoLabel: 'label 7 images lung_scc' });
    expect((await call('datasets.undo', { datasetId: id })).applied).toBe(false);

    for (let i = 0; i < 3; i++) await call('datasets.redo', { datasetId: id });
    expect(labelsOnDisk(id)).toEqual(after);
    expect(datasetLabels(contract.ctx.db, id)).toEqual(['lung_aca', 'lung_n', 'lung_scc', 'artefact']);
    for (let i = 0; i < 3; i++) await call('datasets.undo', { datasetId: id });
    expect(labelsOnDisk(id)).toEqual(original);
  });

  it('refuses to undo over a label changed elsewhere, and clears the history', async () => {
    const img = byClass.lung_n[10];
    await call('datasets.setLabel', { datasetId: id, imageIds: [img], label: 'lung_aca' });
    const scc = contract.ctx.db.prepare("SELECT id FROM labels WHERE dataset_id = ? AND name = 'lung_scc'").get(id) as { id: number };
    contract.ctx.db.prepare('UPDATE images SET label_id = ? WHERE id = ?').run(scc.id, img);
    await expect(call('datasets.undo', { datasetId: id })).rejects.toMatchObject({ code: 'conflict' });
    expect(await call('datasets.history', { datasetId: id })).toMatchObject({ canUndo: false, canRedo: false });
    await call('datasets.setLabel', { datasetId: id, imageIds: [img], label: 'lung_n' });
    await call('datasets.history', { datasetId: id });
    expect(labelsOnDisk(id)).toEqual(original);
  });

  it('addClass appends an empty class without shifting the others', async () => {
    expect(await call('datasets.addClass', { datasetId: id, name: 'lung_n' })).toEqual({ labels: ['lung_aca', 'lung_n', 'lung_scc'], added: false });
    // reverted below: the model of the next test has three outputs
    expect(await call('datasets.addClass', { datasetId: id, name: ' blur ' })).toEqual({ labels: ['lung_aca', 'lung_n', 'lung_scc', 'blur'], added: true });
    const d = await call('datasets.get', { id });
    expect(d.classes.map((c) => [c.label, c.index, c.total])).toEqual([
      ['lung_aca', 0, 30],
      ['lung_n', 1, 30],
      ['lung_scc', 2, 30],
      ['blur', 3, 0],
    ]);
    if (vitTiny) {
      await expect(call('datasets.predict', { datasetId: id, model: vitTiny })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/3 outputs .* 4 classes/) });
    }
    contract.ctx.db.prepare("DELETE FROM labels WHERE dataset_id = ? AND name = 'blur'").run(id);
  });

  describe('with suggestions from the tiny oracle ViT', needs(vitTiny), () => {
    let set: CallOutput<'datasets.predict'>;

    it('predict stores every image\'s probabilities, matching the TensorFlow.js engine', async () => {
      const events: { kind: string; state: string; done: number; total: number }[] = [];
      const off = contract.ctx.events.onAny((name, p) => name === 'job.progress' && events.push(p as (typeof events)[number]));
      set = await call('datasets.predict', { datasetId: id, model: vitTiny!, jobId: 'predict-1' });
      off();
      expect(set).toMatchObject({ model: vitTiny, labels: ['lung_aca', 'lung_n', 'lung_scc'], images: 90, failed: [] });
      expect(events.every((e) => e.kind === 'datasets.predict')).toBe(true);
      expect(events.at(-1)).toMatchObject({ state: 'completed', done: 90, total: 90 });
      expect(await call('datasets.predictions', { datasetId: id })).toEqual([{ modelHash: set.modelHash, model: vitTiny, labels: set.labels, images: 90, createdAt: set.createdAt }]);

      // The oracle's head is cat/dog/bird; with three outputs for three classes they are taken in order.
      const page = await call('datasets.images', { id, limit: 12, order: 'sample' });
      const reference = await predictFiles(vitTiny!, page.items.map((i) => i.path));
      const repo = new ImagePredictionsRepo(contract.ctx.db);
      page.items.forEach((item, k) => {
        const probs = repo.probabilities(item.id, set.modelHash)!;
        const expected = ['cat', 'dog', 'bird'].map((l) => reference[k].probabilities.find((p) => p.label === l)!.probability);
        for (let c = 0; c < 3; c++) expect(probs[c]).toBeCloseTo(expected[c], 4);
        const sorted = [...expected].sort((x, y) => y - x);
        expect(item.prediction).toEqual({
          label: set.labels[expected.indexOf(sorted[0])],
          confidence: expect.closeTo(sorted[0], 4),
          margin: expect.closeTo(sorted[0] - sorted[1], 4),
        });
      });
    });

    it('orders by uncertainty: smallest margin first', async () => {
      const all = (await call('datasets.images', { id, limit: 1000 })).items;
      const ranked = await call('datasets.images', { id, order: 'uncertainty', limit: 1000 });
      expect(ranked.predictions?.modelHash).toBe(set.modelHash);
      const margins = ranked.items.map((i) => i.prediction!.margin);
      expect(margins).toEqual([...margins].sort((x, y) => x - y));
      expect(margins[0]).toBe(Math.min(...all.map((i) => i.prediction!.margin)));
      const second = await call('datasets.images', { id, order: 'uncertainty', offset: 10, limit: 5 });
      expect(second.items.map((i) => i.id)).toEqual(ranked.items.slice(10, 15).map((i) => i.id));
      const ids = await call('datasets.imageIds', { id, order: 'uncertainty' });
      expect(ids).toEqual({ total: 90, ids: ranked.items.map((i) => i.id) });
    });

    it('filters by predicted label, confidence, disagreement, label and split together', async () => {
      const all = (await call('datasets.images', { id, limit: 1000 })).items;
      let sum = 0;
      for (const cls of set.labels) {
        const r = await call('datasets.images', { id, predicted: cls, limit: 1000 });
        expect(r.items.every((i) => i.prediction!.label === cls)).toBe(true);
        expect(r.total).toBe(all.filter((i) => i.prediction!.label === cls).length);
        sum += r.total;
      }
      expect(sum).toBe(90);
      const confs = all.map((i) => i.prediction!.confidence).sort((x, y) => x - y);
      const lo = confs[20];
      const hi = confs[70];
      const band = await call('datasets.images', { id, minConfidence: lo, maxConfidence: hi, limit: 1000 });
      expect(band.total).toBe(all.filter((i) => i.prediction!.confidence >= lo && i.prediction!.confidence <= hi).length);
      expect(band.total).toBeGreaterThanOrEqual(51);
      const disagree = await call('datasets.images', { id, disagree: true, limit: 1000 });
      expect(disagree.total).toBe(all.filter((i) => i.prediction!.label !== i.label).length);
      const narrow = await call('datasets.images', { id, label: 'lung_scc', split: 'train', disagree: true, order: 'uncertainty', limit: 1000 });
      expect(narrow.items.map((i) => i.id)).toEqual(
        all
          .filter((i) => i.label === 'lung_scc' && i.split === 'train' && i.prediction!.label !== 'lung_scc')
          .sort((x, y) => x.prediction!.margin - y.prediction!.margin || (x.path < y.path ? -1 : 1))
          .map((i) => i.id),
      );
      expect((await call('datasets.images', { id, predicted: 'no-such-class' })).total).toBe(0);
      await expect(call('datasets.images', { id, modelHash: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    });

    it('acceptPredictions labels images as suggested, as one undoable step', async () => {
      const ids = (await call('datasets.imageIds', { id, disagree: true, order: 'uncertainty', limit: 6 })).ids;
      const before = labelsOnDisk(id);
      const step = await call('datasets.acceptPredictions', { datasetId: id, imageIds: ids });
      expect(step.undoLabel).toBe(`accept ${ids.length} suggestions`);
      const page = (await call('datasets.images', { id, limit: 1000 })).items.filter((i) => ids.includes(i.id));
      for (const i of page) expect(i.label).toBe(i.prediction!.label);
      await call('datasets.undo', { datasetId: id });
      expect(labelsOnDisk(id)).toEqual(before);
    });

    it('an image that cannot be read is reported, and the rest are still predicted', async () => {
      const { items } = await call('datasets.images', { id, label: 'lung_scc', limit: 1 });
      const gone = items[0].path;
      rmSync(gone);
      const again = await call('datasets.predict', { datasetId: id, model: vitTiny! });
      expect(again.modelHash).toBe(set.modelHash);
      expect(again.failed).toEqual([{ path: gone, reason: expect.stringMatching(/.+/) }]);
      // Its earlier suggestion stays; every other image was predicted again, to the same values.
      expect(again.images).toBe(90);
      const ranked = await call('datasets.imageIds', { id, order: 'uncertainty' });
      expect(ranked.ids).toHaveLength(90);
    });

    it('a cancelled prediction rejects and keeps the earlier suggestions', async () => {
      const running = call('datasets.predict', { datasetId: id, model: vitTiny!, jobId: 'predict-2' });
      await expect(call('datasets.cancelPredict', { jobId: 'predict-2' })).resolves.toEqual({ cancelled: true });
      await expect(running).rejects.toMatchObject({ code: 'cancelled' });
      expect((await call('datasets.predictions', { datasetId: id }))[0]).toMatchObject({ modelHash: set.modelHash, images: 90 });
    });
  });
});

describe('labelling queries at 100,000 images', () => {
  const N = 100_000;
  let id: number;

  beforeAll(() => {
    // Rows only: the queries and the history never open the files.
    const db = contract.ctx.db;
    db.transaction(() => {
      id = Number(db.prepare("INSERT INTO datasets (name, source, root) VALUES ('big', 'folder', '/big')").run().lastInsertRowid);
      const labels = ['a', 'b', 'c'].map((name, position) => Number(db.prepare('INSERT INTO labels (dataset_id, name, position) VALUES (?, ?, ?)').run(id, name, position).lastInsertRowid));
      const img = db.prepare('INSERT INTO images (dataset_id, path, file_size, content_hash, width, height, label_id, split) VALUES (?, ?, 1, ?, 224, 224, ?, ?)');
      const pred = db.prepare('INSERT INTO image_predictions (image_id, model_hash, probs, label_index, confidence, margin) VALUES (?, ?, ?, ?, ?, ?)');
      for (let i = 0; i < N; i++) {
        const imageId = Number(img.run(id, `/big/${String(i).padStart(6, '0')}.png`, `h${(i * 7919) % N}`, labels[i % 3], ['train', 'val', 'test'][i % 3]).lastInsertRowid);
        const top = 0.34 + ((i * 37) % 1000) / 1516; // 0.34 .. 1
        const probs = new Float32Array([top, (1 - top) * 0.6, (1 - top) * 0.4]);
        pred.run(imageId, 'big-model', Buffer.from(probs.buffer), (i * 5) % 3, top, top - (1 - top) * 0.6);
      }
      db.prepare("INSERT INTO prediction_sets (dataset_id, model_hash, model, labels_json) VALUES (?, 'big-model', 'synthetic', '[\"a\",\"b\",\"c\"]')").run(id);
    })();
  });

  it('pages deep into the uncertainty order and filters', async () => {
    const last = await call('datasets.images', { id, order: 'uncertainty', offset: N - 100, limit: 100 });
    expect(last.total).toBe(N);
    expect(last.items).toHaveLength(100);
    const m = last.items.map((i) => i.prediction!.margin);
    expect(m).toEqual([...m].sort((x, y) => x - y));
    const filtered = await call('datasets.images', { id, predicted: 'b', label: 'a', maxConfidence: 0.6, order: 'uncertainty', offset: 500, limit: 200 });
    expect(filtered.items.every((i) => i.prediction!.label === 'b' && i.label === 'a' && i.prediction!.confidence <= 0.6)).toBe(true);
    // What the grid does instead of deep offsets: list the ids once, then fetch what is on screen by id.
    const { ids } = await call('datasets.imageIds', { id, order: 'uncertainty' });
    const shown = await call('datasets.images', { id, ids: ids.slice(N - 150) });
    expect(shown.items.map((i) => i.id)).toEqual(ids.slice(N - 150));
    expect(shown.items.slice(50).map((i) => i.id)).toEqual(last.items.map((i) => i.id));
  });

  it('labels, undoes and redoes all 100,000 at once', async () => {
    const { ids } = await call('datasets.imageIds', { id });
    expect(ids).toHaveLength(N);
    const step = await call('datasets.setLabel', { datasetId: id, imageIds: ids, label: 'c' });
    expect(step.changes[0].imageIds).toHaveLength(N - 33_333);
    expect((await call('datasets.get', { id })).classes.map((c) => c.total)).toEqual([0, 0, N]);
    await call('datasets.undo', { datasetId: id });
    expect((await call('datasets.get', { id })).classes.map((c) => c.total)).toEqual([33_334, 33_333, 33_333]);
    await call('datasets.redo', { datasetId: id });
    expect((await call('datasets.get', { id })).classes.map((c) => c.total)).toEqual([0, 0, N]);
  });
});

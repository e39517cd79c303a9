import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { importDataset } from '../../../src/main/datasets/import.js';
import { DatasetLabelling } from '../../../src/main/datasets/labelling.js';
import { openDb, type Db } from '../../../src/main/store/db.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];
const tmp = mkdtempSync(join(tmpdir(), 'tessella-ds-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Copies file contents (the shared data is read-only, and cpSync would keep that mode). */
function copyTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const d of readdirSync(src, { withFileTypes: true })) {
    if (d.isDirectory()) copyTree(join(src, d.name), join(dst, d.name));
    else writeFileSync(join(dst, d.name), readFileSync(join(src, d.name)));
  }
}

interface Row {
  id: number;
  path: string;
  split: string;
  label: string;
  labelId: number;
  contentHash: string;
  width: number;
  height: number;
  duplicateOf: number | null;
  splitGiven: number;
  group: string | null;
  mpp: number | null;
}

function rows(db: Db, datasetId: number): Row[] {
  return db
    .prepare(
      `SELECT i.id, i.path, i.split, l.name AS label, i.label_id AS labelId, i.content_hash AS contentHash, i.width, i.height,
              i.duplicate_of AS duplicateOf, i.split_given AS splitGiven, i.group_key AS "group", i.mpp
       FROM images i JOIN labels l ON l.id = i.label_id WHERE i.dataset_id = ? ORDER BY i.path`,
    )
    .all(datasetId) as Row[];
}

function freshDb(name: string): Db {
  return openDb(join(tmp, `${name}.db`));
}

describe('importing an ImageFolder tree (LC25000 lung copy)', needs(lung), () => {
  it('records every image, lists corrupt and empty files with reasons, ignores labels.csv; a re-import keeps labels and splits', async () => {
    const root = join(tmp, 'lung');
    copyTree(lung!, root);
    const victim = readFileSync(join(root, 'lung_aca', readdirSync(join(root, 'lung_aca'))[0]));
    writeFileSync(join(root, 'lung_aca', 'corrupt.jpeg'), victim.subarray(0, 3000));
    writeFileSync(join(root, 'lung_n', 'empty.jpeg'), Buffer.alloc(0));
    writeFileSync(join(root, 'lung_scc', 'notes.txt'), 'scanned 2019');
    writeFileSync(join(root, 'stray.jpeg'), victim);
    const db = freshDb('lung');

    const first = await importDataset(db, { path: root, name: 'lung', seed: 4 });
    expect(first.images).toBe(90);
    expect(first.classes).toEqual({ lung_aca: 30, lung_n: 30, lung_scc: 30 });
    expect(first.splits.train + first.splits.val + first.splits.test).toBe(90);
    expect(first.added).toBe(90);
    const reasons = Object.fromEntries(first.errors.map((e) => [e.path.slice(root.length + 1), e.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['lung_aca/corrupt.jpeg', 'lung_n/empty.jpeg', 'stray.jpeg']);
    expect(reasons['lung_aca/corrupt.jpeg']).toMatch(/corrupt or truncated/);
    expect(reasons['lung_n/empty.jpeg']).toMatch(/empty file/);
    expect(reasons['stray.jpeg']).toMatch(/not inside a class folder/);
    // labels.csv and notes.txt
    expect(first.ignored).toBe(2);

    // every stored hash and size agrees with the sha256 and byte count labels.csv publishes
    const published = new Map(
      readFileSync(join(root, 'labels.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map(([, label, file, , bytes, sha]) => [`${label}/${file}`, { bytes: +bytes, sha }]),
    );
    const before = rows(db, first.id);
    expect(before).toHaveLength(90);
    for (const r of before) {
      const rel = r.path.slice(root.length + 1);
      expect(r.contentHash, rel).toBe(published.get(rel)!.sha);
      expect(statSync(r.path).size).toBe(published.get(rel)!.bytes);
      // the data set's README: every patch is 224 x 224
      expect([r.width, r.height]).toEqual([224, 224]);
      expect(r.label).toBe(rel.split('/')[0]);
    }
    const errs = db.prepare('SELECT count(*) AS n FROM import_errors WHERE dataset_id = ?').get(first.id) as { n: number };
    expect(errs.n).toBe(3);

    // remove one image per class, add three new ones (mirrored and turned: new content)
    const removed = CLASSES.map((c) => before.find((r) => r.label === c)!.path);
    removed.forEach((p) => unlinkSync(p));
    const added: string[] = [];
    for (const c of CLASSES) {
      const src = before.filter((r) => r.label === c).at(-1)!.path;
      const p = join(root, c, `new-${c}.png`);
      await sharp(src).flop().rotate(90).png().toFile(p);
      added.push(p);
    }
    // and one edited in place: same path, new bytes
    const edited = before.find((r) => r.label === 'lung_scc' && !removed.includes(r.path))!;
    writeFileSync(edited.path, await sharp(edited.path).jpeg({ quality: 50 }).toBuffer());
    const labelsBefore = db.prepare('SELECT id, name, position FROM labels WHERE dataset_id = ? ORDER BY position').all(first.id);

    const again = await importDataset(db, { path: root, name: 'lung' });
    expect(again.id).toBe(first.id);
    expect({ added: again.added, removed: again.removed, unchanged: again.unchanged, changed: again.changed }).toEqual({ added: 3, removed: 3, unchanged: 86, changed: 1 });
    expect(again.images).toBe(90);
    expect(again.errors).toHaveLength(3);
    const after = new Map(rows(db, first.id).map((r) => [r.path, r]));
    for (const r of before) {
      if (removed.includes(r.path)) {
        expect(after.has(r.path)).toBe(false);
        continue;
      }
      const now = after.get(r.path)!;
      expect({ id: now.id, split: now.split, labelId: now.labelId }).toEqual({ id: r.id, split: r.split, labelId: r.labelId });
    }
    expect(after.get(edited.path)!.contentHash).not.toBe(edited.contentHash);
    for (const p of added) {
      expect(after.get(p)!.label).toBe(p.split('/').at(-2));
      expect(['train', 'val', 'test']).toContain(after.get(p)!.split);
    }
    expect(db.prepare('SELECT id, name, position FROM labels WHERE dataset_id = ? ORDER BY position').all(first.id)).toEqual(labelsBefore);
    db.close();
  });

  it('a re-import keeps labels set in Tessella over the folder\'s, and says how many', async () => {
    const root = join(tmp, 'relabelled');
    copyTree(lung!, root);
    const db = freshDb('relabelled');
    const first = await importDataset(db, { path: root, name: 'relabelled', seed: 1 });
    const before = rows(db, first.id);
    const moved = before.filter((r) => r.label === 'lung_n').slice(0, 2);
    const labelling = new DatasetLabelling(db);
    labelling.setLabel(first.id, moved.map((r) => r.id), 'lung_scc');
    // a class that exists only because of an edit survives too
    labelling.setLabel(first.id, [before.find((r) => r.label === 'lung_aca')!.id], 'mucin');

    const again = await importDataset(db, { path: root, name: 'relabelled' });
    expect(again.editedLabelsKept).toBe(3);
    expect(again.classes).toEqual({ lung_aca: 29, lung_n: 28, lung_scc: 32, mucin: 1 });
    const after = new Map(rows(db, first.id).map((r) => [r.id, r]));
    for (const r of moved) expect(after.get(r.id)!.label).toBe('lung_scc');
    expect([...after.values()].filter((r) => r.label === 'mucin')).toHaveLength(1);
    // images nobody relabelled still follow the folder
    for (const r of before) if (!moved.includes(r) && after.get(r.id)!.label !== 'mucin') expect(after.get(r.id)!.label).toBe(r.label);
    // and a third import changes nothing more
    const third = await importDataset(db, { path: root, name: 'relabelled' });
    expect(third.classes).toEqual(again.classes);
    db.close();
  });

  it('keeps given train/val/test folders; duplicates spanning them move together into train', async () => {
    const root = join(tmp, 'given');
    const plan: Record<string, string> = {};
    for (const c of CLASSES) {
      readdirSync(join(lung!, c))
        .sort()
        .forEach((f, i) => {
          const split = i < 20 ? 'train' : i < 25 ? 'val' : 'test';
          mkdirSync(join(root, split, c), { recursive: true });
          writeFileSync(join(root, split, c, f), readFileSync(join(lung!, c, f)));
          plan[join(root, split, c, f)] = split;
        });
    }
    writeFileSync(join(root, 'README.txt'), 'given split');
    mkdirSync(join(root, 'extras'));
    writeFileSync(join(root, 'extras', 'x.jpeg'), readFileSync(join(lung!, 'lung_n', readdirSync(join(lung!, 'lung_n'))[0])));
    const original = Object.keys(plan).find((p) => plan[p] === 'train')!;
    const cls = original.split('/').at(-2)!;
    const exactCopy = join(root, 'test', cls, 'copy-of-original.jpeg');
    const reencoded = join(root, 'val', cls, 'reencoded-original.jpeg');
    writeFileSync(exactCopy, readFileSync(original));
    await sharp(original).jpeg({ quality: 70 }).toFile(reencoded);
    const db = freshDb('given');

    const s = await importDataset(db, { path: root, name: 'given' });
    expect(s.images).toBe(92);
    expect(s.errors).toEqual([{ path: join(root, 'extras'), reason: expect.stringMatching(/not a split/) }]);
    expect(s.ignored).toBe(1);
    // near: the re-encoded copy, and two rotated copies LC25000 itself holds (lungn1773 of
    // lungn1150, lungn4821 of lungn2243)
    expect(s.duplicates).toEqual({ exact: 1, near: 3, conflicts: 0 });
    // the two copies of the original, and one of LC25000's rotated pairs that straddled the given splits
    expect(s.splitChanges).toBe(3);
    const byPath = new Map(rows(db, s.id).map((r) => [r.path, r]));
    // LC25000's rotated copy lungn4821 (given test) joins its original lungn2243 in train
    const movedByLc25000 = join(root, 'test', 'lung_n', 'lungn4821.jpeg');
    expect(byPath.get(movedByLc25000)!.split).toBe('train');
    for (const [p, split] of Object.entries(plan)) {
      if (p === movedByLc25000) continue;
      expect(byPath.get(p)!.split, p).toBe(split);
      expect(byPath.get(p)!.splitGiven).toBe(1);
    }
    expect(byPath.get(exactCopy)!.split).toBe('train');
    expect(byPath.get(reencoded)!.split).toBe('train');
    // the copy whose path sorts first (test/ < train/ < val/) is the one the others point at
    const [first, orig, near] = [exactCopy, original, reencoded].map((p) => byPath.get(p)!);
    expect(first.duplicateOf).toBeNull();
    expect(orig.duplicateOf).toBe(first.id);
    expect(near.duplicateOf).toBe(first.id);
    db.close();
  });

  it('splits are seeded, stratified and repeatable; duplicates and slide folders stay in one split; mpp is recorded', async () => {
    const root = join(tmp, 'grouped');
    // root/<class>/<slide>/<patch>: six slides, each with patches of every class
    for (const c of CLASSES) {
      readdirSync(join(lung!, c))
        .sort()
        .forEach((f, i) => {
          mkdirSync(join(root, c, `slide-${i % 6}`), { recursive: true });
          writeFileSync(join(root, c, `slide-${i % 6}`, f), readFileSync(join(lung!, c, f)));
        });
    }
    const db = freshDb('grouped');
    const a = await importDataset(db, { path: root, name: 'a', seed: 1, mpp: 0.5 });
    const b = await importDataset(db, { path: root, name: 'b', seed: 1 });
    const ra = rows(db, a.id);
    const rb = rows(db, b.id);
    expect(rb.map((r) => r.split)).toEqual(ra.map((r) => r.split));
    const slideSplit = new Map<string, string>();
    for (const r of ra) {
      expect(r.group).toMatch(/^slide-\d$/);
      const seen = slideSplit.get(r.group!);
      if (seen) expect(r.split, r.group!).toBe(seen);
      slideSplit.set(r.group!, r.split);
      expect(r.mpp).toBe(0.5);
    }
    expect(new Set(slideSplit.values()).size).toBe(3);
    expect(rb.every((r) => r.mpp === null)).toBe(true);

    // without groups: per-class 21 / 4-5 / 4-5, and near-duplicates follow their original
    const flat = join(tmp, 'flat');
    copyTree(lung!, flat);
    const src = join(flat, 'lung_n', readdirSync(join(flat, 'lung_n')).sort()[3]);
    await sharp(src).jpeg({ quality: 65 }).toFile(join(flat, 'lung_n', 'zz-reencoded.jpeg'));
    writeFileSync(join(flat, 'lung_aca', 'zz-copy.jpeg'), readFileSync(src));
    const c = await importDataset(db, { path: flat, name: 'flat', seed: 2 });
    // the byte copy filed under lung_aca is a label conflict; two near are LC25000's own rotated copies
    expect(c.duplicates).toEqual({ exact: 1, near: 3, conflicts: 1 });
    // reported against the group's first image by path, lung_aca/zz-copy.jpeg
    expect(c.errors.map((e) => e.path).sort()).toEqual([src, join(flat, 'lung_n', 'zz-reencoded.jpeg')].sort());
    for (const e of c.errors) expect(e.reason).toContain(join(flat, 'lung_aca', 'zz-copy.jpeg'));
    const rc = rows(db, c.id);
    const cluster = rc.filter((r) => r.path === src || r.path.includes('zz-'));
    expect(cluster).toHaveLength(3);
    expect(new Set(cluster.map((r) => r.split)).size).toBe(1);
    for (const cls of CLASSES) {
      const mine = rc.filter((r) => r.label === cls && !r.path.includes('zz-'));
      expect(mine.filter((r) => r.split === 'train').length, cls).toBeGreaterThanOrEqual(20);
      expect(mine.filter((r) => r.split === 'train').length, cls).toBeLessThanOrEqual(22);
      expect(mine.filter((r) => r.split === 'val').length, cls).toBeGreaterThanOrEqual(3);
      expect(mine.filter((r) => r.split === 'test').length, cls).toBeGreaterThanOrEqual(3);
    }
    db.close();
  });

  it('refuses a name already used for another folder, and an empty folder', async () => {
    const db = freshDb('refuse');
    await expect(importDataset(db, { path: join(tmp, 'nowhere'), name: 'x' })).rejects.toMatchObject({ kind: 'not-found', message: expect.stringMatching(/nowhere: no such folder/) });
    mkdirSync(join(tmp, 'empty', 'classA'), { recursive: true });
    await expect(importDataset(db, { path: join(tmp, 'empty'), name: 'x' })).rejects.toThrow(/no readable images/);
    const grid = join(tmp, 'small');
    mkdirSync(join(grid, 'a'), { recursive: true });
    writeFileSync(join(grid, 'a', 'p.jpeg'), readFileSync(join(lung!, 'lung_n', readdirSync(join(lung!, 'lung_n'))[0])));
    await importDataset(db, { path: grid, name: 'taken' });
    await expect(importDataset(db, { path: join(tmp, 'lung'), name: 'taken' })).rejects.toThrow(/already exists/);
    db.close();
  });
});

/**
 * Undo/redo per slide: every edit (create, update, delete, import) undoes to the exact rows that
 * were there before (ids and timestamps included) and redoes to the exact rows after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnnotationRow } from '../../../src/main/store/annotations-repo.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';
import { needs } from '../../helpers/needs.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';

const png = sharedPath(SLIDES.ihc);

let f: Fixture;
beforeAll(async () => {
  if (svsPath) f = await openFixture();
});
afterAll(() => f?.cleanup());

const rows = (): AnnotationRow[] => f.svc.repo.list(f.slideId);
const square = (x: number, y: number, s = 100) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] });
/** SQLite timestamps have millisecond resolution; make sure an edit gets a new one. */
const tick = () => new Promise((r) => setTimeout(r, 3));

describe('undo and redo', needs(svsPath, qupathFile), () => {
  it('undoes and redoes create, update and delete, restoring exact rows at every step', async () => {
    const snapshots: AnnotationRow[][] = [rows()];
    const cls = f.svc.setClass({ name: 'Tumor' });
    const a = f.svc.create(f.slideId, square(0, 0), { classId: cls.id, name: 'first' });
    snapshots.push(rows());
    await tick();
    const b = f.svc.create(f.slideId, square(500, 500));
    snapshots.push(rows());
    await tick();
    f.svc.update(f.slideId, a.id, { geometry: square(10, 10, 50), name: 'moved', color: '#00ff00' });
    snapshots.push(rows());
    await tick();
    f.svc.delete(f.slideId, [a.id, b.id]);
    snapshots.push(rows());
    expect(snapshots.map((s) => s.length)).toEqual([0, 1, 2, 2, 0]);
    expect(snapshots[3].find((r) => r.uuid === a.id)!.updated_at).not.toBe(snapshots[2].find((r) => r.uuid === a.id)!.updated_at);

    expect(f.svc.historyState(f.slideId)).toEqual({ canUndo: true, canRedo: false, undoLabel: 'delete 2', redoLabel: null });
    for (let i = snapshots.length - 2; i >= 0; i--) {
      const step = f.svc.undo(f.slideId);
      expect(step.applied).toBe(true);
      expect(rows()).toEqual(snapshots[i]);
    }
    expect(f.svc.undo(f.slideId)).toMatchObject({ applied: false, canUndo: false, canRedo: true });
    for (let i = 1; i < snapshots.length; i++) {
      const step = f.svc.redo(f.slideId);
      expect(step.applied).toBe(true);
      expect(rows()).toEqual(snapshots[i]);
    }
    expect(f.svc.redo(f.slideId)).toMatchObject({ applied: false, canRedo: false });
  });

  it('a new edit after undo ends the redo branch', () => {
    f.svc.undo(f.slideId); // brings back the two deleted squares
    expect(f.svc.historyState(f.slideId).canRedo).toBe(true);
    f.svc.create(f.slideId, { type: 'Point', coordinates: [1, 1] });
    expect(f.svc.historyState(f.slideId)).toMatchObject({ canRedo: false, undoLabel: 'create' });
  });

  it('an import is one step: undo removes what it added and puts back what it replaced', async () => {
    for (const a of f.svc.list(f.slideId)) f.svc.delete(f.slideId, [a.id]);
    f.svc.importGeoJson(f.slideId, qupathText);
    const afterFirst = rows();
    await tick();
    // Re-import with one feature renamed: a replace of all six.
    const doc = JSON.parse(qupathText);
    doc.features[0].properties.name = 'renamed';
    f.svc.importGeoJson(f.slideId, JSON.stringify(doc));
    const afterSecond = rows();
    expect(afterSecond.find((r) => r.uuid === doc.features[0].id)!.name).toBe('renamed');
    expect(f.svc.undo(f.slideId)).toMatchObject({ applied: true, changed: doc.features.map((x: { id: string }) => x.id) });
    expect(rows()).toEqual(afterFirst);
    f.svc.undo(f.slideId);
    expect(rows()).toEqual([]);
    f.svc.redo(f.slideId);
    f.svc.redo(f.slideId);
    expect(rows()).toEqual(afterSecond);
  });

  it('a no-op update records nothing', () => {
    const [a] = f.svc.list(f.slideId);
    const before = f.svc.historyState(f.slideId);
    f.svc.update(f.slideId, a.id, { name: a.name });
    expect(f.svc.historyState(f.slideId)).toEqual(before);
  });

  it('refuses to undo over a change made elsewhere, and says so', () => {
    const a = f.svc.create(f.slideId, square(2000, 2000));
    // Another process (the CLI, another window) edits the row behind this history's back.
    f.ctx.db.prepare('UPDATE annotations SET name = ? WHERE uuid = ?').run('edited elsewhere', a.id);
    expect(() => f.svc.undo(f.slideId)).toThrow(/changed outside this window's history/);
    expect(f.svc.list(f.slideId).find((x) => x.id === a.id)!.name).toBe('edited elsewhere');
    expect(f.svc.historyState(f.slideId)).toMatchObject({ canUndo: false, canRedo: false });
  });

  it('a locked annotation keeps its geometry until unlocked', () => {
    const a = f.svc.create(f.slideId, square(0, 0), { locked: true });
    expect(() => f.svc.update(f.slideId, a.id, { geometry: square(5, 5) })).toThrow(/is locked/);
    expect(f.svc.update(f.slideId, a.id, { name: 'still editable' }).name).toBe('still editable');
    const moved = f.svc.update(f.slideId, a.id, { geometry: square(5, 5), locked: false });
    expect(moved).toMatchObject({ locked: false, bbox: { minX: 5, minY: 5, maxX: 105, maxY: 105 } });
  });

  it('keeps a separate history per slide', needs(png), async () => {
    const other = await f.ctx.slides.ensure(png!);
    f.svc.create(other.id, { type: 'Point', coordinates: [3, 3] });
    const mine = f.svc.historyState(f.slideId);
    f.svc.undo(other.id);
    expect(f.svc.list(other.id)).toEqual([]);
    expect(f.svc.historyState(f.slideId)).toEqual(mine);
  });
});

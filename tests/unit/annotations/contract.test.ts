/**
 * The annotation calls through dispatch, as every host runs them: inputs validated against the
 * contract, errors in the contract's shape, viewport queries by bounding box.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotationHandlers } from '../../../src/main/annotations/handlers.js';
import { dispatch, toApiError } from '../../../src/main/dispatch.js';
import { calls, type Handlers } from '../../../src/shared/api.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';
import { needs } from '../../helpers/needs.js';

let f: Fixture;
let handlers: Handlers;
beforeAll(async () => {
  if (!svsPath) return;
  f = await openFixture();
  handlers = createAnnotationHandlers(f.ctx) as unknown as Handlers;
});
afterAll(() => f?.cleanup());

// Errors as a host sends them (message, code, HTTP status).
const run = (name: string, input: unknown) =>
  dispatch(handlers, name, input).catch((e: unknown) => {
    throw toApiError(e);
  }) as Promise<any>;
const ids = (page: { annotations: { id: string }[] }) => page.annotations.map((a) => a.id).sort();

describe('annotations.* calls', needs(svsPath, qupathFile), () => {
  it('imports from a path, lists by viewport, exports', async () => {
    const file = join(f.home, 'in.geojson');
    writeFileSync(file, qupathText);
    expect(await run('annotations.import', { slideId: f.slideId, path: file })).toMatchObject({ imported: 6, added: 6 });

    const page = await run('annotations.list', { slideId: f.slideId });
    expect(calls['annotations.list'].output.safeParse(page).success).toBe(true);
    expect(page).toMatchObject({ total: 6, nextOffset: null });
    expect(page.annotations).toHaveLength(6);

    // Only the MultiPoint (1020..1088 x 1490..1521) meets this box.
    expect(ids(await run('annotations.list', { slideId: f.slideId, bbox: { minX: 1000, minY: 1400, maxX: 1100, maxY: 1600 } }))).toEqual(['2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b']);
    // Bounds, not shapes: a box inside the Tumor polygon's hole still returns it, for drawing.
    expect(ids(await run('annotations.list', { slideId: f.slideId, bbox: { minX: 1600, minY: 1800, maxX: 1700, maxY: 1900 } }))).toEqual(['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d']);
    // Edges touch: the legacy square (40..240) and the line starting at (300, 300).
    expect(ids(await run('annotations.list', { slideId: f.slideId, bbox: { minX: 0, minY: 0, maxX: 300, maxY: 300 } }))).toEqual([
      '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
      '9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a',
    ]);
    expect(await run('annotations.list', { slideId: f.slideId, bbox: { minX: 2000, minY: 0, maxX: 2200, maxY: 100 } })).toEqual({ annotations: [], total: 0, nextOffset: null });

    const out = await run('annotations.export', { slideId: f.slideId });
    expect(out.count).toBe(6);
    expect(JSON.parse(out.geojson)).toEqual(JSON.parse(qupathText));
  });

  it('create / update / delete / undo / redo / history', async () => {
    const cls = await run('annotations.setClass', { name: 'Necrosis', color: '#102030' });
    expect(cls).toMatchObject({ name: 'Necrosis', color: '#102030', count: 0 });
    const a = await run('annotations.create', { slideId: f.slideId, geometry: { type: 'Point', coordinates: [5, 6] }, classId: cls.id });
    expect(a).toMatchObject({ objectType: 'annotation', className: 'Necrosis', bbox: { minX: 5, minY: 6, maxX: 5, maxY: 6 } });
    const u = await run('annotations.update', { slideId: f.slideId, id: a.id, name: 'n', classId: null });
    expect(u).toMatchObject({ name: 'n', classId: null, className: null });
    expect(await run('annotations.delete', { slideId: f.slideId, ids: [a.id, 'not-there'] })).toEqual({ deleted: [a.id] });
    expect(await run('annotations.history', { slideId: f.slideId })).toEqual({ canUndo: true, canRedo: false, undoLabel: 'delete', redoLabel: null });
    expect(await run('annotations.undo', { slideId: f.slideId })).toMatchObject({ applied: true, changed: [a.id], undoLabel: 'edit', redoLabel: 'delete' });
    expect((await run('annotations.list', { slideId: f.slideId })).annotations.find((x: { id: string }) => x.id === a.id)).toMatchObject({ name: 'n' });
    expect(await run('annotations.redo', { slideId: f.slideId })).toMatchObject({ applied: true });
  });

  it('classes: add, rename, recolour, with clear conflicts', async () => {
    const [tumor] = (await run('annotations.classes', {})).filter((c: { name: string }) => c.name === 'Tumor');
    expect(tumor).toMatchObject({ color: '#c80000', count: 2 });
    expect(await run('annotations.setClass', { id: tumor.id, name: 'Carcinoma', color: '#c80000' })).toMatchObject({ name: 'Carcinoma', color: '#c80000', count: 2 });
    // Same colour: the stored form ([200, 0, 0] from the file) is kept.
    expect(f.ctx.db.prepare('SELECT color FROM annotation_classes WHERE id = ?').get(tumor.id)).toEqual({ color: '[200,0,0]' });
    await expect(run('annotations.setClass', { id: tumor.id, name: 'Stroma' })).rejects.toMatchObject({ code: 'conflict', status: 409 });
    await expect(run('annotations.setClass', { name: 'Stroma' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(run('annotations.setClass', { color: '#000000' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(run('annotations.setClass', { id: 9999, color: '#000000' })).rejects.toMatchObject({ code: 'not-found', status: 404 });
    const exported = JSON.parse((await run('annotations.export', { slideId: f.slideId })).geojson);
    expect(exported.features[1].properties.classification).toEqual({ name: 'Carcinoma', color: [200, 0, 0] });
  });

  it('rejects bad input before any handler runs, and reports bad files and missing slides in the error shape', async () => {
    await expect(run('annotations.import', { slideId: f.slideId })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(run('annotations.import', { slideId: f.slideId, geojson: '{}', path: '/x' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(run('annotations.create', { slideId: f.slideId, geometry: { type: 'Point', coordinates: ['a', 1] } })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(run('annotations.import', { slideId: f.slideId, geojson: '{"type":"FeatureCollection","features":[1]}' })).rejects.toMatchObject({
      code: 'invalid-geojson',
      status: 400,
      message: 'features[0]: expected a Feature object, got number 1',
    });
    await expect(run('annotations.list', { slideId: 999 })).rejects.toMatchObject({ code: 'not-found', status: 404 });
    await expect(run('annotations.import', { slideId: f.slideId, path: join(f.home, 'missing.geojson') })).rejects.toMatchObject({ code: 'not-found' });
    await expect(run('annotations.update', { slideId: f.slideId, id: 'nope', name: 'x' })).rejects.toMatchObject({ code: 'not-found' });
  });
});

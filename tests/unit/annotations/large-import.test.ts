/**
 * A whole-slide sized GeoJSON import (a million vertices) through the contract: parsed in a
 * worker thread so other calls are answered while it runs, listed back in bounded pages, and
 * files over a limit (nesting, size, features, vertices) refused at once with the limit named.
 */
import { closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toApiError } from '../../../src/main/dispatch.js';
import { parseGeoJson } from '../../../src/main/annotations/geojson.js';
import { ANNOTATION_PAGE_VERTICES, GEOJSON_LIMITS } from '../../../src/shared/contract/annotations.js';
import type { CallName } from '../../../src/shared/api.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { svsPath } from './context.js';
import { needs } from '../../helpers/needs.js';

const api = inProcessContract('tessella-large-geojson-');
let slideId = 0;
beforeAll(async () => {
  if (svsPath) slideId = (await api.ctx.slides.ensure(svsPath)).id;
});

/** Errors as a host sends them: message, code and HTTP status. */
const call = (name: CallName, input: unknown): Promise<any> =>
  api.call(name, input).catch((e: unknown) => {
    throw toApiError(e);
  });

const DETECTIONS = 20_000;
const VERTICES_EACH = 50; // closed rings: 49 corners and the first again

/** Like a QuPath detection export of a whole slide: cells with a class and measurements. */
function detectionExport(): string {
  const features = [];
  for (let i = 0; i < DETECTIONS; i++) {
    const cx = 500 + (i % 200) * 40;
    const cy = 500 + Math.floor(i / 200) * 40;
    const ring: number[][] = [];
    for (let k = 0; k < VERTICES_EACH - 1; k++) {
      const a = (2 * Math.PI * k) / (VERTICES_EACH - 1);
      ring.push([Math.round((cx + 12 * Math.cos(a)) * 100) / 100, Math.round((cy + 12 * Math.sin(a)) * 100) / 100]);
    }
    ring.push(ring[0]);
    features.push({
      type: 'Feature',
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: {
        objectType: 'detection',
        classification: { name: i % 3 ? 'Tumor' : 'Stroma', color: i % 3 ? [200, 0, 0] : [150, 200, 150] },
        measurements: { 'Nucleus: Area': 450 + (i % 17), 'Nucleus: Circularity': 0.9 },
      },
    });
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

describe('a large GeoJSON import', needs(svsPath), () => {
  it('imports a million vertices while other calls are answered, then lists them in bounded pages', async () => {
    const file = join(api.dir, 'detections.geojson');
    writeFileSync(file, detectionExport());

    // Once the import is parsing, ask for other things from a new turn of the event loop: they
    // are answered before the import finishes only if the parse leaves the main thread free.
    const order: string[] = [];
    const others: Promise<void>[] = [];
    const stop = api.ctx.events.onAny((name, payload) => {
      const p = payload as { kind?: string; message?: string };
      if (name !== 'job.progress' || p.kind !== 'annotations.import' || p.message !== 'parse') return;
      setImmediate(() => {
        others.push(call('app.info', {}).then(() => void order.push('app.info')));
        others.push(call('slides.list', {}).then(() => void order.push('slides.list')));
      });
    });
    try {
      const result = await call('annotations.import', { slideId, path: file });
      order.push('import');
      expect(result).toMatchObject({ imported: DETECTIONS, added: DETECTIONS, byType: { detection: DETECTIONS } });
      expect(result.classesAdded.sort()).toEqual(['Stroma', 'Tumor']);
    } finally {
      stop();
    }
    await Promise.all(others);
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe('import');

    // Paged: a default page, then every page until nextOffset is null.
    const first = await call('annotations.list', { slideId });
    expect(first.total).toBe(DETECTIONS);
    expect(first.annotations).toHaveLength(1000);
    expect(first.nextOffset).toBe(1000);
    const seen = new Set<string>();
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page: any = await call('annotations.list', { slideId, offset, limit: 5000 });
      // 5000 cells of 50 vertices would be 250,000 vertices: the page stops at the vertex budget.
      expect(page.annotations.length).toBe(Math.min(ANNOTATION_PAGE_VERTICES / VERTICES_EACH, DETECTIONS - offset));
      for (const a of page.annotations) seen.add(a.id);
      offset = page.nextOffset;
      pages++;
    }
    expect(seen.size).toBe(DETECTIONS);
    expect(pages).toBe(DETECTIONS / (ANNOTATION_PAGE_VERTICES / VERTICES_EACH));
    expect(seen.has('00000000-0000-4000-8000-000000019999')).toBe(true);
    await expect(call('annotations.list', { slideId, limit: 100_000 })).rejects.toMatchObject({ code: 'invalid-input', status: 400 });
  }, 300_000);

  it('refuses 50,000-deep nesting as invalid input naming the limit, without touching the slide', async () => {
    const before = (await call('annotations.list', { slideId })).total;
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    await expect(call('annotations.import', { slideId, geojson: deep })).rejects.toMatchObject({
      code: 'invalid-geojson',
      status: 400,
      message: `the GeoJSON nests arrays and objects more than ${GEOJSON_LIMITS.depth} deep (line 1, column ${GEOJSON_LIMITS.depth + 1}); at most ${GEOJSON_LIMITS.depth} levels can be imported`,
    });
    // Deep inside a feature's properties, where nothing validates the shape, just as well.
    const hidden = `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"metadata":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}}]}`;
    await expect(call('annotations.import', { slideId, geojson: hidden })).rejects.toMatchObject({ code: 'invalid-geojson', status: 400 });
    expect((await call('annotations.list', { slideId })).total).toBe(before);
  });

  it('refuses a file over the size limit before reading it', async () => {
    // Sparse: the size says 300 MB, the disk holds nothing; a read would take seconds.
    const file = join(api.dir, 'huge.geojson');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 300 * 1024 * 1024);
    closeSync(fd);
    await expect(call('annotations.import', { slideId, path: file })).rejects.toMatchObject({
      code: 'geojson-too-large',
      status: 413,
      message: `${file} is 300 MB; at most 256 MB of GeoJSON can be imported at once`,
    });
  });
});

describe('GeoJSON limits', () => {
  const square = (id: number, n = 5) => ({
    type: 'Feature',
    id: `f${id}`,
    geometry: { type: 'LineString', coordinates: Array.from({ length: n }, (_, k) => [k, id]) },
    properties: {},
  });
  const text = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
  const limits = { ...GEOJSON_LIMITS, features: 3, verticesPerFeature: 10, vertices: 20 };

  it('names the limit a file is over, as too-large', () => {
    expect(parseGeoJson(text([square(1), square(2), square(3)]), limits)).toHaveLength(3);
    expect(() => parseGeoJson(text([square(1), square(2), square(3), square(4)]), limits)).toThrow(
      expect.objectContaining({ kind: 'too-large', message: 'the GeoJSON has 4 features; at most 3 can be imported at once' }),
    );
    expect(() => parseGeoJson(text([square(1), square(2, 11)]), limits)).toThrow(
      expect.objectContaining({ kind: 'too-large', message: 'features[1] has 11 vertices; at most 10 per feature can be imported' }),
    );
    expect(() => parseGeoJson(text([square(1, 10), square(2, 10), square(3, 1)]), limits)).toThrow(
      expect.objectContaining({ kind: 'too-large', message: 'the GeoJSON has 21 vertices in all; at most 20 can be imported at once' }),
    );
  });

  it('a real GeoJSON is far from the depth limit', () => {
    const multi = { type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]]] }, properties: { metadata: { a: { b: [1] } } } };
    expect(parseGeoJson(text([multi]), { ...GEOJSON_LIMITS, depth: 8 })).toHaveLength(1);
    expect(() => parseGeoJson(text([multi]), { ...GEOJSON_LIMITS, depth: 7 })).toThrow(/more than 7 deep \(line 1, column 110\)/);
  });
});

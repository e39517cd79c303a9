/**
 * QuPath GeoJSON import → export keeps everything: ids, geometry, classes and their colours,
 * measurements, metadata and members we do not interpret, compared as parsed JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLenientJson } from '../../../src/main/annotations/lenient-json.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';
import { needs } from '../../helpers/needs.js';

let f: Fixture;
beforeAll(async () => {
  if (svsPath) f = await openFixture();
});
afterAll(() => f?.cleanup());

/** Each test starts from an empty slide. */
function clearSlide() {
  const ids = f.svc.list(f.slideId).map((a) => a.id);
  if (ids.length) f.svc.delete(f.slideId, ids);
}

const exported = () => parseLenientJson(f.svc.exportGeoJson(f.slideId).geojson) as { type: string; features: Record<string, any>[] };

/** Every geometry type, holes, QuPath's legacy keys and colour forms, and things we do not interpret. */
const NAN_MARK = '__NaN__';
const generated = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      id: '11111111-1111-4111-8111-111111111111',
      geometry: { type: 'Point', coordinates: [10.5, 20.25] },
      properties: { objectType: 'annotation', classification: { name: 'Packed', color: -16776961 } },
    },
    {
      type: 'Feature',
      id: '22222222-2222-4222-8222-222222222222',
      geometry: { type: 'MultiPoint', coordinates: [[1, 2], [3.5, 4.5], [5, 6]] },
      properties: {
        objectType: 'detection',
        measurements: [{ name: 'Nucleus: Area', value: 12.5 }, { name: 'Missing', value: NAN_MARK }],
        note: 'NaN, -Infinity and "Infinity" inside strings stay text',
      },
    },
    {
      type: 'Feature',
      id: '33333333-3333-4333-8333-333333333333',
      geometry: { type: 'LineString', coordinates: [[100, 100], [200, 150], [300, 120]] },
      properties: { objectType: 'annotation', name: 'A line', color: -65536, isLocked: true },
    },
    {
      type: 'Feature',
      id: '44444444-4444-4444-8444-444444444444',
      geometry: { type: 'MultiLineString', coordinates: [[[0, 0], [10, 10]], [[20, 20], [30, 25], [40, 20]]] },
      properties: { objectType: 'tile', name: null, classification: null },
    },
    {
      type: 'Feature',
      id: '55555555-5555-4555-8555-555555555555',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [[0, 0], [1000, 0], [1000, 1000], [0, 1000], [0, 0]],
          [[100, 100], [300, 100], [300, 300], [100, 300], [100, 100]],
          [[600, 600], [800, 600], [700, 800], [600, 600]],
        ],
        plane: { c: -1, z: 0, t: 0 },
      },
      properties: {
        objectType: 'annotation',
        classification: { names: ['Tumor', 'Positive'], color: [200, 20, 20], extraKey: 'kept' },
        measurements: { 'Area µm^2': 12345.678, Ratio: 0.25, Inf: NAN_MARK },
        metadata: { source: 'script', nested: { list: [1, { deep: null }], flag: true } },
        custom: { a: [1, 2, { b: 'c' }] },
      },
    },
    {
      type: 'Feature',
      id: '66666666-6666-4666-8666-666666666666',
      geometry: {
        type: 'MultiPolygon',
        coordinates: [
          [[[1200, 1200], [1600, 1200], [1600, 1600], [1200, 1600], [1200, 1200]], [[1300, 1300], [1400, 1300], [1400, 1400], [1300, 1400], [1300, 1300]]],
          [[[1700, 1700], [1900, 1700], [1800, 1900], [1700, 1700]]],
        ],
      },
      nucleusGeometry: { type: 'Point', coordinates: [1, 1] },
      bbox: [1200, 1200, 1900, 1900],
      properties: { object_type: 'annotation', name: 'Legacy', classification: { name: 'Old style', colorRGB: -3670016 }, isLocked: false },
    },
    {
      type: 'Feature',
      id: 42,
      geometry: { type: 'Point', coordinates: [7, 8] },
      properties: { objectType: 'cell' },
    },
  ],
};
// Real QuPath exports write bare NaN/-Infinity (Gson's serializeSpecialFloatingPointValues).
const generatedText = JSON.stringify(generated, null, 1).replace(`"value": "${NAN_MARK}"`, '"value": NaN').replace(`"Inf": "${NAN_MARK}"`, '"Inf": -Infinity');

describe('QuPath GeoJSON round trip', needs(svsPath, qupathFile), () => {
  it('the shared QuPath-style file comes back exactly (deep equality of the parsed JSON)', () => {
    clearSlide();
    const r = f.svc.importGeoJson(f.slideId, qupathText);
    expect(r).toMatchObject({ imported: 6, added: 6, replaced: 0, byType: { annotation: 6 } });
    expect(r.classesAdded.sort()).toEqual(['Lymphocyte', 'Other', 'Stroma', 'Tumor']);
    expect(exported()).toEqual(JSON.parse(qupathText));
  });

  it('interprets what it reads: ids, classes with their colours, names, locks, legacy object_type, measurements', () => {
    const list = f.svc.list(f.slideId);
    expect(list.map((a) => a.id)).toEqual(JSON.parse(qupathText).features.map((x: { id: string }) => x.id));
    const byId = new Map(list.map((a) => [a.id, a]));
    expect(byId.get('0f3e2a6c-7b1d-4c55-9e0a-2d4b6f8a1c3e')).toMatchObject({
      className: 'Stroma',
      name: 'Dermis, upper',
      locked: false,
      measurements: { 'Area px^2': 551234.5, 'Perimeter px': 2875.25 },
      bbox: { minX: 560, minY: 395.5, maxX: 1310, maxY: 1120 },
    });
    expect(byId.get('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d')).toMatchObject({ className: 'Tumor', color: '#ff4040', locked: true });
    expect(byId.get('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d')!.geometry.coordinates).toHaveLength(2);
    expect(byId.get('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d')).toMatchObject({ objectType: 'annotation', name: 'Legacy key', className: 'Other' });
    const classes = Object.fromEntries(f.svc.classes().map((c) => [c.name, c]));
    expect(classes.Stroma).toMatchObject({ color: '#96c896', count: 1 });
    expect(classes.Tumor).toMatchObject({ color: '#c80000', count: 2 });
    expect(classes.Lymphocyte.color).toBe('#5050dc');
  });

  it('importing the same file again replaces by id instead of duplicating', () => {
    const r = f.svc.importGeoJson(f.slideId, qupathText);
    expect(r).toMatchObject({ imported: 6, added: 0, replaced: 6, classesAdded: [] });
    expect(f.svc.list(f.slideId)).toHaveLength(6);
    expect(exported()).toEqual(JSON.parse(qupathText));
  });

  it('a generated file with every geometry type, holes, packed colours, NaN measurements and foreign members round-trips', () => {
    clearSlide();
    const r = f.svc.importGeoJson(f.slideId, generatedText);
    expect(r.byType).toEqual({ annotation: 4, detection: 1, tile: 1, cell: 1 });
    const text = f.svc.exportGeoJson(f.slideId).geojson;
    // Bare literals written back as QuPath writes them.
    expect(text).toMatch(/"value": NaN/);
    expect(text).toMatch(/"Inf": -Infinity/);
    const back = parseLenientJson(text) as typeof generated;
    expect(back).toEqual(parseLenientJson(generatedText));
    expect(back.features[6].id).toBe(42);
    expect((back.features[1].properties as { note: string }).note).toBe('NaN, -Infinity and "Infinity" inside strings stay text');

    const list = new Map(f.svc.list(f.slideId).map((a) => [a.id, a]));
    expect(list.get('11111111-1111-4111-8111-111111111111')).toMatchObject({ className: 'Packed' });
    expect(f.svc.classes().find((c) => c.name === 'Packed')!.color).toBe('#0000ff');
    expect(list.get('33333333-3333-4333-8333-333333333333')).toMatchObject({ color: '#ff0000', locked: true, name: 'A line' });
    expect(list.get('55555555-5555-4555-8555-555555555555')).toMatchObject({
      className: 'Tumor: Positive',
      measurements: { 'Area µm^2': 12345.678, Ratio: 0.25, Inf: null },
    });
    expect(list.get('22222222-2222-4222-8222-222222222222')!.measurements).toEqual({ 'Nucleus: Area': 12.5, Missing: null });
    expect(f.svc.classes().find((c) => c.name === 'Old style')!.color).toBe('#c80000');
    expect(list.get('42')).toMatchObject({ objectType: 'cell' });
  });

  it('accepts a plain array of features and a single Feature', () => {
    clearSlide();
    const features = JSON.parse(qupathText).features;
    expect(f.svc.importGeoJson(f.slideId, JSON.stringify(features.slice(0, 2))).imported).toBe(2);
    expect(f.svc.importGeoJson(f.slideId, JSON.stringify(features[5])).imported).toBe(1);
    expect(exported().features).toEqual([features[0], features[1], features[5]]);
  });

  it("keeps a feature's own class colour when the class already had another, until the class is recoloured", () => {
    clearSlide();
    f.svc.importGeoJson(f.slideId, qupathText); // Tumor is [200, 0, 0]
    const other = {
      type: 'Feature',
      id: 'bbbbbbbb-0000-4000-8000-000000000000',
      geometry: { type: 'Point', coordinates: [5, 5] },
      properties: { objectType: 'annotation', classification: { name: 'Tumor', color: [0, 0, 255] } },
    };
    f.svc.importGeoJson(f.slideId, JSON.stringify(other));
    const features = exported().features;
    expect(features.find((x) => x.id === other.id)!.properties.classification).toEqual({ name: 'Tumor', color: [0, 0, 255] });
    expect(features.find((x) => x.id === 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d')!.properties.classification).toEqual({ name: 'Tumor', color: [200, 0, 0] });

    const tumor = f.svc.classes().find((c) => c.name === 'Tumor')!;
    f.svc.setClass({ id: tumor.id, color: '#00ff00' });
    for (const x of exported().features.filter((x) => x.properties.classification?.name === 'Tumor')) {
      expect(x.properties.classification.color).toEqual([0, 255, 0]);
    }
  });

  it('QuPath 0.2 files: a class name as "id" becomes the object type and a fresh UUID; open rings are closed', () => {
    clearSlide();
    const v02 = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', id: 'PathDetectionObject', geometry: { type: 'Polygon', coordinates: [[[0, 0], [50, 0], [50, 50]]] }, properties: {} }],
    };
    f.svc.importGeoJson(f.slideId, JSON.stringify(v02));
    const [a] = f.svc.list(f.slideId);
    expect(a.objectType).toBe('detection');
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.geometry.coordinates).toEqual([[[0, 0], [50, 0], [50, 50], [0, 0]]]);
    const [feature] = exported().features;
    expect(feature.id).toBe(a.id);
    expect(feature.properties).toEqual({ objectType: 'detection' });
  });

  it('with both objectType and object_type, objectType wins (as in QuPath) and object_type is kept as given', () => {
    clearSlide();
    const both = { type: 'Feature', id: 'cccccccc-0000-4000-8000-000000000000', geometry: { type: 'Point', coordinates: [1, 1] }, properties: { objectType: 'detection', object_type: 'annotation' } };
    f.svc.importGeoJson(f.slideId, JSON.stringify(both));
    expect(f.svc.list(f.slideId)[0].objectType).toBe('detection');
    expect(exported().features).toEqual([both]);
  });

  it('annotations drawn here export the way QuPath writes them', () => {
    clearSlide();
    const cls = f.svc.setClass({ name: 'Necrosis', color: '#123456' });
    const a = f.svc.create(f.slideId, { type: 'Polygon', coordinates: [[[10, 10], [110, 10], [110, 60]]] }, { classId: cls.id, name: 'n1', locked: true, color: '#ff8000' });
    const b = f.svc.create(f.slideId, { type: 'Point', coordinates: [3, 4] });
    expect(exported()).toEqual({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          id: a.id,
          geometry: { type: 'Polygon', coordinates: [[[10, 10], [110, 10], [110, 60], [10, 10]]] },
          properties: { objectType: 'annotation', name: 'n1', color: [255, 128, 0], classification: { name: 'Necrosis', color: [18, 52, 86] }, isLocked: true },
        },
        { type: 'Feature', id: b.id, geometry: { type: 'Point', coordinates: [3, 4] }, properties: { objectType: 'annotation' } },
      ],
    });
  });
});

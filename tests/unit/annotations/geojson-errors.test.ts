/**
 * A broken GeoJSON file is refused with one message saying what is wrong and at which feature,
 * and nothing of it is imported: no annotations, no classes, no undo step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoJsonError } from '../../../src/main/annotations/geojson.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';
import { needs } from '../../helpers/needs.js';

let f: Fixture;
beforeAll(async () => {
  if (svsPath) f = await openFixture();
});
afterAll(() => f?.cleanup());

const good = () => (qupathFile ? JSON.parse(qupathText) : { features: [] });

/** The shared file with feature 4 replaced by `broken`, so five good features come first. */
function withBrokenFourth(edit: (feature: Record<string, any>) => void): string {
  const doc = good();
  edit(doc.features[4]);
  return JSON.stringify(doc);
}

const cases: [string, () => string, RegExp][] = [
  ['not JSON', () => qupathText.slice(0, 300), /^not valid JSON: /],
  ['a missing comma', () => '{"type":\n "FeatureCollection",\n "features": [{} {}]}', /^not valid JSON: .*at position 48 \(line 3, column 18\)/],
  ['empty', () => '  \n', /empty/],
  ['a bare geometry', () => JSON.stringify({ type: 'Polygon', coordinates: [] }), /bare Polygon geometry/],
  ['no features array', () => JSON.stringify({ type: 'FeatureCollection', features: {} }), /no "features" array/],
  ['something else', () => '42', /expected a GeoJSON FeatureCollection.*got number 42/],
  ['an unsupported geometry type', () => withBrokenFourth((x) => (x.geometry = { type: 'Circle', coordinates: [1, 2] })), /^features\[4\] \(id "2e3f4a5b-.*"\): geometry type string "Circle" is not supported/],
  [
    'a coordinate that is not a number',
    () => withBrokenFourth((x) => (x.geometry.coordinates[1][1] = '1521.0')),
    /^features\[4\] .*geometry\.coordinates\[1\]\[1\] must be a finite number, got string "1521\.0"/,
  ],
  ['a position with one number', () => withBrokenFourth((x) => (x.geometry.coordinates[2] = [5])), /geometry\.coordinates\[2\] needs at least 2 entries/],
  [
    'a polygon ring of two points',
    () => withBrokenFourth((x) => (x.geometry = { type: 'Polygon', coordinates: [[[0, 0], [10, 10], [0, 0]]] })),
    /geometry\.coordinates\[0\] is not a ring/,
  ],
  ['no geometry', () => withBrokenFourth((x) => delete x.geometry), /^features\[4\] .*has no geometry/],
  ['a classification without a name', () => withBrokenFourth((x) => (x.properties.classification = { color: [1, 2, 3] })), /properties\.classification needs a "name"/],
  ['a colour that is not one', () => withBrokenFourth((x) => (x.properties.color = 'red')), /properties\.color must be a colour/],
  ['isLocked not a boolean', () => withBrokenFourth((x) => (x.properties.isLocked = 'yes')), /properties\.isLocked must be a boolean, got string "yes"/],
  ['a duplicated id', () => withBrokenFourth((x) => (x.id = '0f3e2a6c-7b1d-4c55-9e0a-2d4b6f8a1c3e')), /features\[4\] has the same id "0f3e2a6c-.*" as features\[0\]/],
  ['a feature that is not an object', () => withBrokenFourth((x) => Object.assign(x, { type: 'Point' })), /features\[4\] .*"type" must be "Feature"/],
];

describe('broken GeoJSON', needs(svsPath, qupathFile), () => {
  for (const [what, make, message] of cases) {
    it(`${what}: one clear error, nothing imported`, () => {
      const before = { classes: f.svc.classes(), history: f.svc.historyState(f.slideId) };
      let err: unknown;
      try {
        f.svc.importGeoJson(f.slideId, make());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GeoJsonError);
      const msg = (err as Error).message;
      expect(msg).toMatch(message);
      expect(msg).not.toContain('\n');
      expect((err as GeoJsonError).code).toBe('invalid-geojson');
      expect(f.svc.list(f.slideId)).toEqual([]);
      expect(f.svc.classes()).toEqual(before.classes);
      expect(f.svc.historyState(f.slideId)).toEqual(before.history);
    });
  }

  it('a failure midway through the writes rolls back the features already written', () => {
    // Valid GeoJSON, but the database refuses the fourth row: the first three must not stay.
    f.ctx.db.exec(`CREATE TEMP TRIGGER refuse_fourth BEFORE INSERT ON annotations WHEN NEW.uuid = '9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    try {
      expect(() => f.svc.importGeoJson(f.slideId, qupathText)).toThrow(/disk full/);
    } finally {
      f.ctx.db.exec('DROP TRIGGER refuse_fourth');
    }
    expect(f.svc.list(f.slideId)).toEqual([]);
    expect(f.svc.classes()).toEqual([]);
    expect(f.svc.historyState(f.slideId).canUndo).toBe(false);
  });
});

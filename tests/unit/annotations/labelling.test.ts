/**
 * Labelling as in QuPath: class numbers (the position in the class list, which number keys pick)
 * stay put when an import brings new classes; zooming to a shape stops at native magnification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { focusExtent } from '../../../src/renderer/src/annotations/focusShape.js';
import { needs } from '../../helpers/needs.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';

describe('class numbers', needs(svsPath, qupathFile), () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await openFixture();
  });
  afterAll(() => f?.cleanup());

  it('keep their order of creation through an import of new classes and a rename', () => {
    f.svc.setClass({ name: 'Tumor', color: '#c62828' });
    f.svc.setClass({ name: 'Necrosis', color: '#6d4c41' });
    const before = f.svc.classes().map((c) => c.name);
    expect(before).toEqual(['Tumor', 'Necrosis']);
    // The QuPath file brings Stroma, Lymphocyte and Other (and uses Tumor, which exists).
    f.svc.importGeoJson(f.slideId, qupathText);
    const after = f.svc.classes().map((c) => c.name);
    expect(after.slice(0, 2)).toEqual(before);
    expect(new Set(after.slice(2))).toEqual(new Set(['Stroma', 'Lymphocyte', 'Other']));
    // Alphabetical order would have put "Lymphocyte" first and made key 1 mean something else.
    const necrosis = f.svc.classes()[1]!;
    f.svc.setClass({ id: necrosis.id, name: 'Adipose' });
    expect(f.svc.classes()[1]!.name).toBe('Adipose');
  });
});

describe('zoom to a shape', () => {
  const screen = { width: 1200, height: 800 };
  it('never asks for more than one slide pixel per screen pixel', () => {
    // A 20-pixel nucleus: fitted alone it would be magnified 40 times past the scan.
    const small = focusExtent({ minX: 1000, minY: 1000, maxX: 1020, maxY: 1020 }, screen);
    expect(Math.min(screen.width / small.width, screen.height / small.height)).toBeLessThanOrEqual(1);
    expect(small).toEqual({ width: 1200, height: 800 });
  });

  it('fits a large shape with its margin', () => {
    const large = focusExtent({ minX: 0, minY: 0, maxX: 4000, maxY: 3000 }, screen);
    expect(large).toEqual({ width: 6000, height: 4500 });
  });
});

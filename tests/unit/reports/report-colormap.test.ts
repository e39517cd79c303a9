/**
 * A report's heatmap is painted through the very colour maps the viewer paints with (one module,
 * src/shared/colormaps.ts), and shapes are named and measured as the viewer's annotation list does.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { heatmapPng } from '../../../src/main/analysis/heatmap';
import { areaText, isRectangle, shapeName } from '../../../src/shared/annotation-shape';
import { COLORMAP_NAMES, luts as sharedLuts } from '../../../src/shared/colormaps';
import { cssColor, luts as viewerLuts } from '../../../src/renderer/src/analysis/colormaps';
import { shapeType } from '../../../src/renderer/src/annotations/describe';
import type { Annotation } from '../../../src/shared/contract/annotations';

const samples = [0, 0.03, 0.1, 0.25, 0.5, 0.5019, 0.73, 0.9, 1];

describe('one colour map for the viewer and the report', () => {
  it('the viewer uses the shared tables themselves', () => {
    expect(viewerLuts).toBe(sharedLuts);
  });

  for (const name of COLORMAP_NAMES) {
    it(`the report heatmap through ${name} has the viewer's colour at every sample`, async () => {
      const png = await heatmapPng(Float32Array.from(samples), samples.length, 1, name);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(4);
      samples.forEach((v, i) => {
        const [r, g, b] = [data[i * 4], data[i * 4 + 1], data[i * 4 + 2]];
        // Probabilities are float32 on both sides (stored so, and the viewer's Float32Array).
        expect(`rgb(${r},${g},${b})`, `${name} at ${v}`).toBe(cssColor(name, Math.fround(v)));
      });
    });
  }

  it('viridis runs from dark purple to yellow, as matplotlib draws it', () => {
    expect(cssColor('viridis', 0)).toBe('rgb(68,1,84)');
    expect(cssColor('viridis', 1)).toBe('rgb(253,231,37)');
  });
});

describe('shape names and areas shared with the annotation list', () => {
  const rect = { type: 'Polygon' as const, coordinates: [[[100, 200], [300, 200], [300, 300], [100, 300], [100, 200]]] };
  it('an axis-aligned four-corner ring is a rectangle; a turned square, a hole or a fifth corner is not', () => {
    expect(isRectangle(rect)).toBe(true);
    expect(shapeName(rect)).toBe('Rectangle');
    expect(shapeName({ type: 'Polygon', coordinates: [[[0, 5], [5, 0], [10, 5], [5, 10], [0, 5]]] })).toBe('Polygon');
    expect(shapeName({ type: 'Polygon', coordinates: [...rect.coordinates, [[150, 220], [160, 220], [160, 230], [150, 230], [150, 220]]] })).toBe('Polygon');
    expect(shapeName({ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [5, 10], [0, 10], [0, 0]]] })).toBe('Polygon');
    expect(shapeName({ type: 'MultiPoint', coordinates: [[1, 2]] }, 'detection')).toBe('Points (detection)');
    const a = { geometry: rect, objectType: 'annotation' } as unknown as Annotation;
    expect(shapeType(a)).toBe('Rectangle');
  });

  it('areas in µm² with a pixel size, px² without', () => {
    expect(areaText(rect, { x: 0.5, y: 0.5 })).toBe('5,000 µm²');
    expect(areaText(rect, null)).toBe('20,000 px²');
    expect(areaText({ type: 'LineString', coordinates: [[0, 0], [5, 5]] }, null)).toBeNull();
  });
});

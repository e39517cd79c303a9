/** How a shape is named and measured in the annotation list (the same words reports use: src/shared/annotation-shape.ts). */
import type { Annotation } from '@shared/contract/annotations';
import { areaText, shapeName } from '@shared/annotation-shape';

export function shapeType(a: Annotation): string {
  return shapeName(a.geometry, a.objectType);
}

/** Area in µm² (mm² when large) if the slide's pixel size is known, otherwise in px²; null for points and lines. */
export function shapeArea(a: Annotation, mpp: { x: number; y: number } | null): string | null {
  return areaText(a.geometry, mpp);
}

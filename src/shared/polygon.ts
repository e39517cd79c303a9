/** Point-in-polygon shared by the annotation service (patch extraction) and the viewer (hit tests). */

/** Even-odd over all rings, so a point inside a hole is outside the polygon. */
export function polygonContains(rings: number[][][], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Colours for drawing shapes: class colours come from the server as #rrggbb. */

/** Shapes with no class and no colour of their own; QuPath's default annotation red. */
export const unclassifiedColor = '#ff0000';

/**
 * Offered for new classes in turn: distinct from each other and from H&E pinks and purples,
 * so outlines stay visible over tissue.
 */
export const classPalette = ['#00c853', '#2979ff', '#ffd600', '#ff6d00', '#00e5ff', '#d500f9', '#76ff03', '#ff1744', '#6d4c41', '#f5f5f5'];

export function nextClassColor(used: string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return classPalette.find((c) => !taken.has(c)) ?? classPalette[used.length % classPalette.length];
}

const rgbaCache = new Map<string, string>();

export function withAlpha(hex: string, alpha: number): string {
  const key = `${hex}/${alpha}`;
  let value = rgbaCache.get(key);
  if (!value) {
    const n = parseInt(hex.slice(1), 16);
    value = `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
    rgbaCache.set(key, value);
  }
  return value;
}

/** A shape's own colour, else its class's, else the unclassified red. */
export function shapeColor(a: { color: string | null; classId: number | null }, classColors: ReadonlyMap<number, string>): string {
  return a.color ?? (a.classId !== null ? classColors.get(a.classId) : undefined) ?? unclassifiedColor;
}

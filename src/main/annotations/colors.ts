/**
 * Colours as QuPath writes them ([r, g, b] arrays, or packed signed ARGB integers in older
 * versions) are kept in whatever form came in; the UI sees #rrggbb.
 */

/** #rrggbb for a stored QuPath colour, or null when it is not one we can read. */
export function rawColorToHex(raw: unknown): string | null {
  let rgb: [number, number, number] | null = null;
  if (Array.isArray(raw) && raw.length >= 3 && raw.slice(0, 3).every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    rgb = [raw[0], raw[1], raw[2]];
  } else if (typeof raw === 'number' && Number.isInteger(raw)) {
    rgb = [(raw >> 16) & 255, (raw >> 8) & 255, raw & 255];
  } else if (typeof raw === 'string' && /^#[0-9a-fA-F]{6}$/.test(raw)) {
    return raw.toLowerCase();
  }
  return rgb ? '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('') : null;
}

/** The form QuPath 0.4+ writes and reads: [r, g, b]. */
export function hexToRawColor(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// Distinct, saturated hues that stay visible over pink/purple H&E.
const PALETTE: [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [0, 128, 128],
  [170, 110, 40],
];

/** A stable colour for a class created without one, so the same name gets the same colour. */
export function defaultClassColor(name: string): [number, number, number] {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length];
}

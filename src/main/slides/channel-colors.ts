/** Display colours for channels the file does not colour itself. */

export const RGB_CHANNELS = [
  { name: 'Red', color: '#ff0000', sample: 'red' },
  { name: 'Green', color: '#00ff00', sample: 'green' },
  { name: 'Blue', color: '#0000ff', sample: 'blue' },
] as const;

const hex = (r: number, g: number, b: number) =>
  `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;

/**
 * The colour of light of `nm` nanometres (Dan Bruton's approximation of the visible spectrum),
 * ultraviolet shown as violet and infrared as deep red; null outside 300-900 nm.
 */
export function wavelengthColor(nm: number): string | null {
  if (!Number.isFinite(nm) || nm < 300 || nm > 900) return null;
  const w = Math.min(Math.max(nm, 380), 780);
  let r = 0, g = 0, b = 0;
  if (w < 440) [r, b] = [-(w - 440) / 60, 1];
  else if (w < 490) [g, b] = [(w - 440) / 50, 1];
  else if (w < 510) [g, b] = [1, -(w - 510) / 20];
  else if (w < 580) [r, g] = [(w - 510) / 70, 1];
  else if (w < 645) [r, g] = [1, -(w - 645) / 65];
  else r = 1;
  return hex(r * 255, g * 255, b * 255);
}

/** Common fluorophores and stains by name, for files that name a channel but give no colour. */
const NAMED: [RegExp, string][] = [
  [/dapi|hoechst|nuclear|\bnuc\b/i, '#0000ff'],
  [/fitc|gfp|alexa ?fluor ?488|\baf ?488\b|opal ?5[0-2]0|cy2/i, '#00ff00'],
  [/tritc|cy3|alexa ?fluor ?(546|555|568)|opal ?5[4-7]0|rfp|texas/i, '#ff0000'],
  [/cy5|alexa ?fluor ?(647|660)|opal ?6[2-9]0/i, '#ff00ff'],
  [/cy7|opal ?780/i, '#ffffff'],
  [/autofluo|\baf\b/i, '#808080'],
];

const PALETTE = ['#0000ff', '#00ff00', '#ff0000', '#ff00ff', '#00ffff', '#ffff00', '#ff8000', '#ffffff'];

/** A colour for channel `index` named `name`: a known dye's, else the next of a fixed palette. */
export function defaultChannelColor(name: string, index: number): string {
  for (const [re, c] of NAMED) if (re.test(name)) return c;
  return PALETTE[index % PALETTE.length]!;
}

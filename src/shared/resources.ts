/** Resource paths shared by hosts and renderer; kept free of zod so the renderer bundle stays small. */

/**
 * Binary resources (tiles, thumbnails, associated images) are addressed by paths relative
 * to a host-specific base: `tessella://r/` in Electron, `/r/` in browser mode.
 */
export const resourcePaths = {
  tile: (slideId: number, level: number, col: number, row: number) => `tiles/${slideId}/${level}/${col}_${row}.jpeg`,
  tileBase: (slideId: number) => `tiles/${slideId}/`,
  /**
   * One channel of a slide with channelTiles, as a lossless PNG: 8-bit grey, or with `bits` 16
   * an RGB PNG carrying each 16-bit sample as R = high byte, G = low byte (B = 0), which a
   * browser canvas reads back exactly (it cannot read a 16-bit PNG's low byte).
   */
  channelTile: (slideId: number, channel: number, level: number, col: number, row: number, bits: 8 | 16 = 8) =>
    `tiles/${slideId}/c${channel}/${level}/${col}_${row}${bits === 16 ? '.u16' : ''}.png`,
  thumbnail: (slideId: number) => `thumbnail/${slideId}.jpeg`,
  associated: (slideId: number, name: string) => `associated/${slideId}/${encodeURIComponent(name)}.jpeg`,
  datasetImage: (datasetId: number, imageId: number) => `datasets/${datasetId}/images/${imageId}.jpeg`,
  /** A generated report's PDF, HTML or CSV (only files the reports table knows). */
  reportFile: (reportId: number, ext: 'pdf' | 'html' | 'csv') => `reports/${reportId}.${ext}`,
};

/** Parses a resource path back; null for anything that is not exactly one of the shapes above. */
export function parseResourcePath(
  path: string,
):
  | { kind: 'tile'; slideId: number; level: number; col: number; row: number }
  | { kind: 'channelTile'; slideId: number; channel: number; level: number; col: number; row: number; bits: 8 | 16 }
  | { kind: 'thumbnail'; slideId: number }
  | { kind: 'associated'; slideId: number; name: string }
  | { kind: 'datasetImage'; datasetId: number; imageId: number }
  | { kind: 'reportFile'; reportId: number; ext: 'pdf' | 'html' | 'csv' }
  | null {
  let m = /^tiles\/(\d{1,9})\/(\d{1,2})\/(\d{1,7})_(\d{1,7})\.jpeg$/.exec(path);
  if (m) return { kind: 'tile', slideId: +m[1], level: +m[2], col: +m[3], row: +m[4] };
  m = /^tiles\/(\d{1,9})\/c(\d{1,3})\/(\d{1,2})\/(\d{1,7})_(\d{1,7})(\.u16)?\.png$/.exec(path);
  if (m) return { kind: 'channelTile', slideId: +m[1], channel: +m[2], level: +m[3], col: +m[4], row: +m[5], bits: m[6] ? 16 : 8 };
  m = /^thumbnail\/(\d{1,9})\.jpeg$/.exec(path);
  if (m) return { kind: 'thumbnail', slideId: +m[1] };
  m = /^associated\/(\d{1,9})\/([A-Za-z0-9_%.-]{1,64})\.jpeg$/.exec(path);
  if (m) {
    const name = decodeURIComponent(m[2]);
    if (name.includes('/') || name.includes('..')) return null;
    return { kind: 'associated', slideId: +m[1], name };
  }
  m = /^datasets\/(\d{1,9})\/images\/(\d{1,12})\.jpeg$/.exec(path);
  if (m) return { kind: 'datasetImage', datasetId: +m[1], imageId: +m[2] };
  m = /^reports\/(\d{1,9})\.(pdf|html|csv)$/.exec(path);
  if (m) return { kind: 'reportFile', reportId: +m[1], ext: m[2] as 'pdf' | 'html' | 'csv' };
  return null;
}

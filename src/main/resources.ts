/**
 * Binary resources (DeepZoom tiles, thumbnails, associated images) behind one function that
 * both the Electron protocol and the HTTP route call. Only the exact path shapes of the contract
 * are accepted, and only for slides in the library, so a URL can never reach another file.
 */
import { parseResourcePath } from '../shared/api.js';
import type { AppContext } from './app-context.js';
import { ApiError, toApiError } from './dispatch.js';
import { invalidInput } from './errors.js';
import { datasetImageThumbnail } from './datasets/thumbnail.js';
import { reportService } from './reports/service.js';

export interface Resource {
  body: Buffer;
  contentType: string;
  /** Tiles and thumbnails of a given file content never change. */
  immutable: boolean;
  /** A file to save under this name (Content-Disposition); inline ones may be shown in place. */
  download?: { filename: string; inline: boolean };
}

export async function loadResource(ctx: AppContext, path: string): Promise<Resource> {
  const r = parseResourcePath(path);
  if (!r) throw new ApiError('not a Tessella resource path', 'not-found', 404);
  try {
    switch (r.kind) {
      case 'tile':
        return { body: await ctx.slides.tile(r.slideId, r.level, r.col, r.row, ctx.settings.get().tileQuality), contentType: 'image/jpeg', immutable: true };
      case 'channelTile':
        return { body: await ctx.slides.channelTile(r.slideId, r.channel, r.level, r.col, r.row, r.bits), contentType: 'image/png', immutable: true };
      case 'thumbnail':
        return { body: await ctx.slides.thumbnail(r.slideId), contentType: 'image/jpeg', immutable: true };
      case 'associated':
        return { body: await ctx.slides.associated(r.slideId, r.name, !ctx.settings.get().hideLabelImages), contentType: 'image/jpeg', immutable: false };
      case 'datasetImage':
        // Not immutable: a re-import can change the file behind the same image id.
        return { body: await datasetImageThumbnail(ctx, r.imageId, 256, r.datasetId), contentType: 'image/jpeg', immutable: false };
      case 'reportFile': {
        // Only files the reports table recorded; a report made again writes new bytes under the same id.
        const f = await reportService(ctx).file(r.reportId, r.ext);
        return { body: f.body, contentType: f.contentType, immutable: false, download: { filename: f.filename, inline: r.ext === 'pdf' } };
      }
    }
  } catch (e) {
    throw toApiError(e);
  }
}

/** The Content-Disposition header of a download: an ASCII fallback name and the exact one (RFC 6266). */
export function contentDisposition(d: { filename: string; inline: boolean }): string {
  const ascii = d.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${d.inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.filename)}`;
}

/** A URL path decoded; a malformed escape (`/%E0%A4%A`) is the caller's mistake, not a server error. */
export function decodePath(path: string, decode: (s: string) => string = decodeURI): string {
  try {
    return decode(path);
  } catch {
    throw invalidInput('malformed URL: a %-escape is not valid UTF-8');
  }
}

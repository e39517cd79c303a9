/** Rows of the `slides` table to and from the contract's SlideSummary/SlideDetail shapes. */
import { existsSync } from 'node:fs';
import type { ImageType, SlideChannel, SlideSummary } from '../../shared/api.js';
import type { SlideLevel, SlideMetadata } from '../slides/reader.js';
import type { Db } from './db.js';

interface SlideRow {
  id: number;
  path: string;
  name: string;
  content_hash: string;
  file_size: number;
  format: string;
  vendor: string | null;
  reader: string;
  width: number;
  height: number;
  levels_json: string;
  mpp_x: number | null;
  mpp_y: number | null;
  mpp_override: number | null;
  objective_power: number | null;
  properties_json: string;
  associated_json: string;
  added_at: string;
  image_type: ImageType | null;
  channels_json: string | null;
}

export interface SlideImageInfo {
  imageType: ImageType;
  channels: SlideChannel[];
}

export interface StoredSlide extends SlideSummary {
  contentHash: string;
  levels: SlideLevel[];
  properties: Record<string, string>;
  associatedImages: string[];
}

function fromRow(r: SlideRow): StoredSlide {
  const mpp = r.mpp_override != null ? { x: r.mpp_override, y: r.mpp_override } : r.mpp_x != null ? { x: r.mpp_x, y: r.mpp_y ?? r.mpp_x } : null;
  const mppSource = r.mpp_override != null ? ('user' as const) : mpp ? ('file' as const) : null;
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    format: r.format,
    vendor: r.vendor,
    reader: r.reader,
    width: r.width,
    height: r.height,
    levelCount: (JSON.parse(r.levels_json) as unknown[]).length,
    mpp,
    mppSource,
    objectivePower: r.objective_power,
    fileSize: r.file_size,
    addedAt: r.added_at,
    available: existsSync(r.path),
    imageType: r.image_type,
    channels: r.channels_json ? (JSON.parse(r.channels_json) as SlideChannel[]) : [],
    contentHash: r.content_hash,
    levels: JSON.parse(r.levels_json),
    properties: JSON.parse(r.properties_json),
    associatedImages: JSON.parse(r.associated_json),
  };
}

export class SlidesRepo {
  constructor(private readonly db: Db) {}

  list(): StoredSlide[] {
    return (this.db.prepare('SELECT * FROM slides ORDER BY added_at DESC, id DESC').all() as SlideRow[]).map(fromRow);
  }

  get(id: number): StoredSlide | null {
    const r = this.db.prepare('SELECT * FROM slides WHERE id = ?').get(id) as SlideRow | undefined;
    return r ? fromRow(r) : null;
  }

  byPath(path: string): StoredSlide | null {
    const r = this.db.prepare('SELECT * FROM slides WHERE path = ?').get(path) as SlideRow | undefined;
    return r ? fromRow(r) : null;
  }

  insert(s: { path: string; name: string; contentHash: string; fileSize: number; reader: string; meta: SlideMetadata; image?: SlideImageInfo }): StoredSlide {
    const m = s.meta;
    const info = this.db
      .prepare(
        `INSERT INTO slides (path, name, content_hash, file_size, format, vendor, reader, width, height, levels_json,
           mpp_x, mpp_y, objective_power, properties_json, associated_json, image_type, channels_json)
         VALUES (@path, @name, @hash, @size, @format, @vendor, @reader, @width, @height, @levels, @mppX, @mppY, @power, @props, @assoc,
           @imageType, @channels)`,
      )
      .run({
        path: s.path,
        name: s.name,
        hash: s.contentHash,
        size: s.fileSize,
        format: m.format,
        vendor: m.vendor,
        reader: s.reader,
        width: m.width,
        height: m.height,
        levels: JSON.stringify(m.levels),
        mppX: m.mpp?.x ?? null,
        mppY: m.mpp?.y ?? null,
        power: m.objectivePower,
        props: JSON.stringify(m.properties),
        assoc: JSON.stringify(m.associatedImages),
        imageType: s.image?.imageType ?? null,
        channels: s.image ? JSON.stringify(s.image.channels) : null,
      });
    return this.get(Number(info.lastInsertRowid))!;
  }

  setImageInfo(id: number, image: SlideImageInfo): void {
    this.db.prepare('UPDATE slides SET image_type = ?, channels_json = ? WHERE id = ?').run(image.imageType, JSON.stringify(image.channels), id);
  }

  setMppOverride(id: number, mpp: number | null): void {
    this.db.prepare('UPDATE slides SET mpp_override = ? WHERE id = ?').run(mpp, id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM slides WHERE id = ?').run(id).changes > 0;
  }
}

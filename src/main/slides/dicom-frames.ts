/**
 * Where each frame's bytes live inside a DICOM file's PixelData, read straight from disk so a
 * multi-gigabyte slide is never loaded whole. Encapsulated (compressed) data is located with
 * the Extended Offset Table, else the Basic Offset Table, else one pass over the fragment
 * headers; native (uncompressed) frames sit back to back.
 */
import type { FileHandle } from 'node:fs/promises';
import { SlideError } from './reader.js';

const ITEM = 0xe000fffe; // (FFFE,E000) read as little-endian uint32
const SEQUENCE_END = 0xe0ddfffe; // (FFFE,E0DD)

export interface FrameSource {
  readonly count: number;
  /** The compressed (or raw) bytes of frame `index`. */
  read(index: number): Promise<Buffer>;
}

async function readAt(fh: FileHandle, position: number, length: number, name: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new SlideError(`${name}: pixel data is truncated (file ends early).`, 'corrupt');
  return buf;
}

/** Frames stored uncompressed, each `frameBytes` long, starting at `offset`. */
export function nativeFrames(fh: FileHandle, offset: number, frameBytes: number, count: number, name: string): FrameSource {
  return {
    count,
    read: (index) => readAt(fh, offset + index * frameBytes, frameBytes, name),
  };
}

interface Span {
  /** File position of the first fragment's item header. */
  start: number;
  /** File position just past the frame's last fragment, when known. */
  end: number | null;
}

/**
 * Frames of encapsulated PixelData whose value starts at `valueOffset` (the Basic Offset Table item).
 * `extended` is the Extended Offset Table (7FE0,0001/0002) when the file has one.
 */
export async function encapsulatedFrames(
  fh: FileHandle,
  fileSize: number,
  valueOffset: number,
  count: number,
  name: string,
  extended: { offsets: number[]; lengths: number[] } | null,
): Promise<FrameSource> {
  const bot = await readAt(fh, valueOffset, 8, name);
  if (bot.readUInt32LE(0) !== ITEM) throw new SlideError(`${name}: encapsulated pixel data does not start with an item.`, 'corrupt');
  const botLength = bot.readUInt32LE(4);
  const first = valueOffset + 8 + botLength;
  let spans: Span[];
  if (extended && extended.offsets.length >= count) {
    spans = extended.offsets.slice(0, count).map((o, i) => ({ start: first + o, end: first + o + 8 + extended.lengths[i] }));
  } else if (botLength >= count * 4 && botLength > 0) {
    const table = await readAt(fh, valueOffset + 8, count * 4, name);
    const starts = Array.from({ length: count }, (_, i) => first + table.readUInt32LE(i * 4));
    spans = starts.map((start, i) => ({ start, end: i + 1 < count ? starts[i + 1] : null }));
  } else {
    spans = await scanFragments(fh, fileSize, first, count, name);
  }
  for (const s of spans) {
    if (s.start >= fileSize || (s.end !== null && (s.end > fileSize || s.end <= s.start))) {
      throw new SlideError(`${name}: frame offsets point outside the file (truncated or corrupt).`, 'corrupt');
    }
  }
  return { count, read: (index) => readFrame(fh, spans[index], `${name}, frame ${index + 1}`) };
}

/** Without offset tables: one pass over item headers, a frame starting at each JPEG SOI when fragments outnumber frames. */
async function scanFragments(fh: FileHandle, fileSize: number, first: number, count: number, name: string): Promise<Span[]> {
  const fragments: { start: number; end: number; soi: boolean }[] = [];
  let pos = first;
  while (pos + 8 <= fileSize) {
    const head = await readAt(fh, pos, Math.min(10, fileSize - pos), name);
    const tag = head.readUInt32LE(0);
    if (tag === SEQUENCE_END) break;
    if (tag !== ITEM) throw new SlideError(`${name}: malformed fragment in pixel data at byte ${pos}.`, 'corrupt');
    const len = head.readUInt32LE(4);
    fragments.push({ start: pos, end: pos + 8 + len, soi: head.length >= 10 && head[8] === 0xff && head[9] === 0xd8 });
    pos += 8 + len;
  }
  if (fragments.length === count) return fragments.map((f) => ({ start: f.start, end: f.end }));
  const spans: Span[] = [];
  for (const f of fragments) {
    if (f.soi || spans.length === 0) spans.push({ start: f.start, end: f.end });
    else spans[spans.length - 1].end = f.end;
  }
  if (spans.length < count) {
    throw new SlideError(`${name}: found ${spans.length} frames in the pixel data, the header says ${count}.`, 'corrupt');
  }
  return spans.slice(0, count);
}

/** Concatenated fragment values of one frame; `name` says which file and frame for messages. */
async function readFrame(fh: FileHandle, span: Span, name: string): Promise<Buffer> {
  if (span.end !== null) {
    const chunk = await readAt(fh, span.start, span.end - span.start, name);
    const parts: Buffer[] = [];
    let p = 0;
    while (p + 8 <= chunk.length) {
      if (chunk.readUInt32LE(p) !== ITEM) {
        if (parts.length > 0) break;
        throw new SlideError(`${name}: no fragment where the offset table points (damaged pixel data).`, 'corrupt');
      }
      const len = chunk.readUInt32LE(p + 4);
      if (p + 8 + len > chunk.length) throw new SlideError(`${name}: fragment overruns its frame (corrupt).`, 'corrupt');
      parts.push(chunk.subarray(p + 8, p + 8 + len));
      p += 8 + len;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  // Last frame of a Basic Offset Table: fragments run until the sequence delimiter.
  const parts: Buffer[] = [];
  let pos = span.start;
  for (;;) {
    const head = await readAt(fh, pos, 8, name);
    const tag = head.readUInt32LE(0);
    if (tag === SEQUENCE_END) break;
    if (tag !== ITEM) {
      if (parts.length > 0) break;
      throw new SlideError(`${name}: malformed fragment in pixel data at byte ${pos}.`, 'corrupt');
    }
    const len = head.readUInt32LE(4);
    parts.push(await readAt(fh, pos + 8, len, name));
    pos += 8 + len;
  }
  return Buffer.concat(parts);
}

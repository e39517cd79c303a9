/**
 * A small read-only zip reader for PyTorch checkpoints (torch.save's zipfile format), built on
 * positioned reads so a multi-GB archive is never read whole: opening one reads only the end
 * records and the central directory, and each entry is read on demand, asynchronously (`read`) or,
 * for a lazily read tensor's synchronous getter, by `readAtSync` + `decodeEntrySync`.
 *
 * What it handles (PKWARE APPNOTE 6.3): the central directory, stored (method 0, what torch
 * writes) and deflated (method 8, what a re-zipped checkpoint may hold) entries, zip64 end
 * records and zip64 extra fields (archives and entries over 4 GB), a CRC-32 check of every entry
 * read. Not handled (refused): encryption, multi-disk archives, other compression methods.
 *
 * Entry names and contents never appear in error messages: a message names the archive and the
 * problem only.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { DomainError } from '../../errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's local header in the archive. */
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** The central directory of a checkpoint is a few bytes per tensor; far above this is garbage. */
const MAX_CENTRAL_DIR_BYTES = 512 * 1024 * 1024;

const inflateRaw = promisify(zlib.inflateRaw);
// zlib.crc32 arrived in Node 20.15 / 22.2; an older runtime (an older Electron) skips the check.
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export const corrupt = (path: string, what: string): DomainError =>
  new DomainError('corrupt', `${path}: ${what}`);

/** Told of every positioned read of a checkpoint file (tests count what a lazy load touches). */
export type ReadProbe = (position: number, length: number) => void;

/** Reads exactly `length` bytes at `position`; a short read means the archive was cut. */
export async function readAt(fh: FileHandle, position: number, length: number, path: string, probe?: ReadProbe): Promise<Uint8Array> {
  probe?.(position, length);
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    // One read() call is capped near 2 GiB; a large storage comes in several.
    const want = Math.min(length - done, 1 << 30);
    const { bytesRead } = await fh.read(buf, done, want, position + done);
    if (bytesRead === 0) throw corrupt(path, 'the file ends early (truncated download or copy?)');
    done += bytesRead;
  }
  return buf;
}

/**
 * readAt for a synchronous consumer (a lazy tensor's `data` getter, read during graph emission):
 * opens `path`, reads exactly `length` bytes at `position`, closes it.
 */
export function readAtSync(path: string, position: number, length: number, probe?: ReadProbe): Uint8Array {
  probe?.(position, length);
  const buf = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    for (let done = 0; done < length; ) {
      const got = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
      if (got === 0) throw corrupt(path, 'the file ends early (changed or truncated since it was opened?)');
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** The size and CRC-32 an entry's directory record promises, checked on its uncompressed bytes. */
export function checkEntry(data: Uint8Array, entry: Pick<ZipEntry, 'size' | 'crc32'>, path: string): Uint8Array {
  if (data.length !== entry.size) throw corrupt(path, 'a zip entry has another size than its directory record says');
  if (crc32 && (crc32(data) >>> 0) !== entry.crc32) throw corrupt(path, 'a zip entry fails its CRC-32 check');
  return data;
}

const unsupportedMethod = (path: string, method: number): DomainError =>
  new DomainError('unsupported', `${path}: zip compression method ${method} is not supported (only stored and deflate)`);

/** The uncompressed, checked bytes of one entry from its raw (stored or deflated) bytes, synchronously. */
export function decodeEntrySync(raw: Uint8Array, entry: ZipEntry, path: string): Uint8Array {
  if (entry.method === 0) return checkEntry(raw, entry, path);
  if (entry.method !== 8) throw unsupportedMethod(path, entry.method);
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch {
    throw corrupt(path, 'a deflated zip entry does not inflate');
  }
  // A fresh ArrayBuffer at offset 0 (Buffers may share a pool), so typed views of it are aligned.
  const data = new Uint8Array(out.byteLength);
  data.set(out);
  return checkEntry(data, entry, path);
}

function u64(dv: DataView, at: number, path: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(path, 'a zip64 size or offset is out of range');
  return Number(v);
}

export class ZipArchive {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly fileSize: number,
    /** Entries by name, in central-directory order. */
    readonly entries: Map<string, ZipEntry>,
    private readonly probe?: ReadProbe,
  ) {}

  /** Opens `path` and reads its central directory. Throws `corrupt` when it is not a readable zip. */
  static async open(path: string, probe?: ReadProbe): Promise<ZipArchive> {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const entries = await readCentralDirectory(fh, size, path, probe);
      return new ZipArchive(path, fh, size, entries, probe);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /**
   * Where the entry's (raw) bytes start in the archive, after its local header: the one read of
   * the entry a lazy reader makes up front (30 bytes), so later reads of it are positioned reads.
   */
  async dataStart(entry: ZipEntry): Promise<number> {
    const head = await readAt(this.fh, entry.localHeaderOffset, 30, this.path, this.probe);
    const dv = new DataView(head.buffer);
    if (dv.getUint32(0, true) !== SIG_LOCAL) throw corrupt(this.path, 'a zip entry has no local header where the directory says');
    // The local extra field may differ from the central one (torch pads it to align tensor data).
    const start = entry.localHeaderOffset + 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
    if (start + entry.compressedSize > this.fileSize) throw corrupt(this.path, 'a zip entry runs past the end of the file (truncated?)');
    return start;
  }

  /**
   * The whole (uncompressed) contents of `entry`, checked against its CRC-32. The returned
   * array owns a fresh ArrayBuffer starting at offset 0, so typed views of it are aligned.
   */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    const start = await this.dataStart(entry);
    const raw = await readAt(this.fh, start, entry.compressedSize, this.path, this.probe);
    if (entry.method === 0) return checkEntry(raw, entry, this.path);
    if (entry.method !== 8) throw unsupportedMethod(this.path, entry.method);
    let data: Uint8Array;
    try {
      // maxOutputLength: a lying header cannot make us inflate a zip bomb.
      const out = await inflateRaw(raw, { maxOutputLength: Math.max(1, entry.size) });
      data = new Uint8Array(out.byteLength);
      data.set(out);
    } catch {
      throw corrupt(this.path, 'a deflated zip entry does not inflate');
    }
    return checkEntry(data, entry, this.path);
  }
}

async function readCentralDirectory(fh: FileHandle, size: number, path: string, probe?: ReadProbe): Promise<Map<string, ZipEntry>> {
  if (size < EOCD_SIZE) throw corrupt(path, 'too short to be a zip archive');
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB. torch
  // writes no comment, so the last 22 bytes come first: opening an archive then reads none of
  // the last entry's bytes.
  let tail: Uint8Array = new Uint8Array(0);
  let tailLen = 0;
  let tailStart = size;
  let eocd = -1;
  for (const want of [EOCD_SIZE, EOCD_SIZE + MAX_COMMENT]) {
    tailLen = Math.min(size, want);
    tailStart = size - tailLen;
    tail = await readAt(fh, tailStart, tailLen, path, probe);
    const tdv = new DataView(tail.buffer);
    for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tdv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + tdv.getUint16(i + 20, true) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd >= 0 || tailLen === size) break;
  }
  if (eocd < 0) throw corrupt(path, 'no zip end-of-central-directory record (truncated, or not a zip archive)');
  const tdv = new DataView(tail.buffer);
  if (tdv.getUint16(eocd + 4, true) !== 0 || tdv.getUint16(eocd + 6, true) !== 0) {
    throw new DomainError('unsupported', `${path}: multi-part zip archives are not supported`);
  }
  let count = tdv.getUint16(eocd + 10, true);
  let cdSize = tdv.getUint32(eocd + 12, true);
  let cdOffset = tdv.getUint32(eocd + 16, true);

  // zip64: a locator 20 bytes before the end record points at the zip64 end record.
  const locAt = tailStart + eocd - 20;
  if (locAt >= 0) {
    const loc = locAt >= tailStart ? tail.subarray(locAt - tailStart, locAt - tailStart + 20) : await readAt(fh, locAt, 20, path, probe);
    const ldv = new DataView(loc.buffer, loc.byteOffset, 20);
    if (ldv.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
      const recAt = u64(ldv, 8, path);
      if (recAt + 56 > size) throw corrupt(path, 'the zip64 end record lies past the end of the file');
      const rec = await readAt(fh, recAt, 56, path, probe);
      const rdv = new DataView(rec.buffer);
      if (rdv.getUint32(0, true) !== SIG_ZIP64_EOCD) throw corrupt(path, 'the zip64 end record is missing');
      count = u64(rdv, 32, path);
      cdSize = u64(rdv, 40, path);
      cdOffset = u64(rdv, 48, path);
    }
  }
  if (cdOffset + cdSize > size) throw corrupt(path, 'the zip central directory lies past the end of the file (truncated?)');
  if (cdSize > MAX_CENTRAL_DIR_BYTES) throw corrupt(path, 'the zip central directory is implausibly large');

  const cd = await readAt(fh, cdOffset, cdSize, path, probe);
  const dv = new DataView(cd.buffer);
  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdSize || dv.getUint32(p, true) !== SIG_CENTRAL) throw corrupt(path, 'the zip central directory is damaged');
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let uncompressed = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) throw corrupt(path, 'the zip central directory is damaged');
    if (flags & 1) throw new DomainError('unsupported', `${path}: encrypted zip entries are not supported`);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): the 8-byte values, in this order, of the fields set to 0xffffffff.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        const next = (): number => {
          if (q + 8 > x + 4 + len) throw corrupt(path, 'a zip64 extra field is too short');
          const v = u64(dv, q, path);
          q += 8;
          return v;
        };
        if (uncompressed === 0xffffffff) uncompressed = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      x += 4 + len;
    }
    if (localHeaderOffset + 30 > size) throw corrupt(path, 'a zip entry lies past the end of the file (truncated?)');
    entries.set(name, { name, method, compressedSize, size: uncompressed, crc32: crc >>> 0, localHeaderOffset });
    p = end;
  }
  return entries;
}

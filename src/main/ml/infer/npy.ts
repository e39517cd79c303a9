/**
 * NumPy's .npy format (version 1.0) for float32 matrices, written row block by row block so an
 * export of any size needs memory for one block only. `numpy.load(path)` reads the result.
 * Format: magic, version, little-endian u16 header length, a Python dict literal padded with
 * spaces and a newline so the data starts on a 64-byte boundary, then C-order little-endian data.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function npyHeader(shape: readonly number[], descr = '<f4'): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const text = dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  if (text.length > 0xffff) throw new Error('npy header too long for format 1.0');
  const head = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(head);
  head[6] = 1; // major
  head[7] = 0; // minor
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1')]);
}

function leBytes(data: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const b = Buffer.alloc(data.byteLength);
  data.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

/**
 * A float32 [rows, cols] .npy written in row order. The file appears at `path` only when every
 * row has been written (temp file + rename), so a failed export never leaves a truncated array.
 */
export class NpyWriter {
  private written = 0;
  private constructor(
    private fh: FileHandle,
    private readonly tmp: string,
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
  ) {}

  static async create(path: string, rows: number, cols: number): Promise<NpyWriter> {
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w');
    await fh.write(npyHeader([rows, cols]));
    return new NpyWriter(fh, tmp, path, rows, cols);
  }

  /** Appends whole rows (a multiple of `cols` values). */
  async write(values: Float32Array): Promise<void> {
    if (values.length % this.cols !== 0) throw new Error(`npy: ${values.length} values is not whole rows of ${this.cols}`);
    const n = values.length / this.cols;
    if (this.written + n > this.rows) throw new Error(`npy: more than the ${this.rows} rows declared`);
    await this.fh.write(leBytes(values));
    this.written += n;
  }

  async close(): Promise<void> {
    await this.fh.close();
    if (this.written !== this.rows) {
      await rm(this.tmp, { force: true });
      throw new Error(`npy: ${this.written} of ${this.rows} rows written`);
    }
    await rename(this.tmp, this.path);
  }

  /** Drops the partial file. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }
}

/** Parses a little-endian float32 C-order .npy (what NpyWriter writes). */
export function parseNpy(buf: Uint8Array): { shape: number[]; data: Float32Array } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!b.subarray(0, 6).equals(MAGIC)) throw new Error('not an .npy file');
  const major = b[6]!;
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.subarray(start, start + headerLen).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`unsupported dtype in ${header.trim()}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran-order arrays are not supported');
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const offset = start + headerLen;
  const count = shape.reduce((a, d) => a * d, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = b.readFloatLE(offset + i * 4);
  return { shape, data };
}

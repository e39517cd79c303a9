/**
 * A run as TensorBoard event files, so it opens next to a researcher's other work
 * (`tensorboard --logdir DIR`). No TensorFlow needed: an event file is a TFRecord stream of
 * `Event` protobufs (tensorflow/core/util/event.proto), each record framed as
 *   uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)
 * (tensorflow/core/lib/io/record_writer.cc).
 *
 * Tags: an epoch's value is `<split>/<metric>` at step = epoch (train/loss, val/accuracy,
 * test/auc); a training step's is `<split>/<metric>_step` at step = the optimizer's global step,
 * as Lightning's *_step / *_epoch pair. The run's configuration goes to the HParams dashboard
 * (plugin "hparams": SessionStartInfo with every scalar setting, SessionEndInfo with the status).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint, RunDetail } from '../../shared/contract/training.js';
import { ProtoMessage } from '../ml/onnx/protobuf.js';

// ---------------------------------------------------------------------------------------------
// TFRecord framing
// ---------------------------------------------------------------------------------------------
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    // Castagnoli polynomial, reflected
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masking, so a CRC stored inside CRC'd data does not look like data. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(data.length), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  dv.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------
/** Event { wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5 }. */
function event(wallTime: number, step: number, body: (e: ProtoMessage) => void): Uint8Array {
  const e = new ProtoMessage().double(1, wallTime).varint(2, step);
  body(e);
  return tfRecord(e.toBytes());
}

/** Summary { value = 1 } with Value { tag = 1, simple_value = 2 }. */
function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  return event(wallTime, step, (e) => e.message(5, new ProtoMessage().message(1, new ProtoMessage().string(1, tag).float(2, value))));
}

/** google.protobuf.Value: number_value = 2, string_value = 3, bool_value = 4. */
function protoValue(v: number | string | boolean): ProtoMessage {
  if (typeof v === 'number') return new ProtoMessage().double(2, v);
  if (typeof v === 'boolean') return new ProtoMessage().varint(4, v ? 1 : 0);
  return new ProtoMessage().string(3, v);
}

/**
 * A Value carrying only plugin metadata (SummaryMetadata.plugin_data = 1: plugin_name = 1,
 * content = 2), as tensorboard.plugins.hparams.summary writes its session records.
 */
function hparamsEvent(wallTime: number, tag: string, pluginData: ProtoMessage): Uint8Array {
  const metadata = new ProtoMessage().message(1, new ProtoMessage().string(1, 'hparams').bytes(2, pluginData.toBytes()));
  return event(wallTime, 0, (e) => e.message(5, new ProtoMessage().message(1, new ProtoMessage().string(1, tag).message(9, metadata))));
}

/** HParamsPluginData { version = 1, session_start_info = 3 { hparams = 1 (map), group_name = 4, start_time_secs = 5 } }. */
function sessionStart(wallTime: number, hparams: Record<string, number | string | boolean>, group: string): Uint8Array {
  const info = new ProtoMessage();
  for (const [k, v] of Object.entries(hparams)) info.message(1, new ProtoMessage().string(1, k).message(2, protoValue(v)));
  info.string(4, group).double(5, wallTime);
  return hparamsEvent(wallTime, '_hparams_/session_start_info', new ProtoMessage().varint(1, 0).message(3, info));
}

/** Status: UNKNOWN 0, SUCCESS 1, FAILURE 2, RUNNING 3. */
const SESSION_STATUS: Record<RunDetail['status'], number> = { completed: 1, failed: 2, running: 3, queued: 3, cancelled: 0, interrupted: 0 };

/** HParamsPluginData { version = 1, session_end_info = 4 { status = 1, end_time_secs = 2 } }. */
function sessionEnd(wallTime: number, status: RunDetail['status']): Uint8Array {
  const info = new ProtoMessage().varint(1, SESSION_STATUS[status] ?? 0).double(2, wallTime);
  return hparamsEvent(wallTime, '_hparams_/session_end_info', new ProtoMessage().varint(1, 0).message(4, info));
}

/** The run's settings the HParams table can show: scalars as they are, short lists joined. */
export function runHparams(run: Pick<RunDetail, 'config' | 'arch' | 'mode' | 'datasetName'>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = { arch: run.arch, mode: run.mode };
  if (run.datasetName) out.dataset = run.datasetName;
  for (const [k, v] of Object.entries(run.config as Record<string, unknown>)) {
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.length <= 16 && v.every((x) => typeof x === 'number' || typeof x === 'string')) out[k] = v.join(',');
  }
  return out;
}

const seconds = (iso: string | null | undefined, fallback: number): number => {
  const t = iso ? Date.parse(iso.endsWith('Z') || iso.includes('+') ? iso : `${iso}Z`) : NaN;
  return Number.isFinite(t) ? t / 1000 : fallback;
};

export interface TensorboardExport {
  /** The run's folder under the log dir (point `--logdir` at its parent). */
  dir: string;
  file: string;
  scalars: number;
  tags: string[];
  hparams: number;
}

/**
 * Writes `<logDir>/<run-ID[-name]>/events.out.tfevents.<secs>.<host>.tessella`. A second export
 * of the same run replaces its file (TensorBoard would otherwise read both and draw every point
 * twice); anything else in the folder is left alone.
 */
export function writeTensorboard(logDir: string, run: RunDetail, metrics: MetricPoint[]): TensorboardExport {
  const slug = `run-${run.id}${run.name ? `-${run.name.replace(/[^\w.-]+/g, '_').slice(0, 60)}` : ''}`;
  const dir = join(logDir, slug);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^events\.out\.tfevents\..*\.tessella$/.test(f)) rmSync(join(dir, f), { force: true });

  const start = seconds(run.startedAt ?? run.createdAt, Date.now() / 1000);
  const records: Uint8Array[] = [event(start, 0, (e) => e.string(3, 'brain.Event:2'))];
  const hp = runHparams(run);
  records.push(sessionStart(start, hp, slug));
  const tags = new Set<string>();
  let last = start;
  for (const m of metrics) {
    const tag = m.step === null ? `${m.split}/${m.name}` : `${m.split}/${m.name}_step`;
    const wall = seconds(m.at, last);
    last = Math.max(last, wall);
    tags.add(tag);
    records.push(scalarEvent(wall, m.step ?? m.epoch, tag, m.value));
  }
  if (run.status !== 'running' && run.status !== 'queued') records.push(sessionEnd(seconds(run.finishedAt, last), run.status));

  const file = join(dir, `events.out.tfevents.${Math.floor(start)}.${hostname().replace(/[^\w.-]+/g, '_')}.tessella`);
  const total = records.reduce((s, r) => s + r.length, 0);
  const buf = new Uint8Array(total);
  let off = 0;
  for (const r of records) {
    buf.set(r, off);
    off += r.length;
  }
  writeFileSync(file, buf);
  return { dir, file, scalars: metrics.length, tags: [...tags].sort(), hparams: Object.keys(hp).length };
}

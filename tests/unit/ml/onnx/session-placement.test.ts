/**
 * Where a job's onnxruntime session runs (issue 15): inline below WORKER_FROM_IMAGES images, in a
 * worker thread from there on, an unknown size taken as long, TESSELLA_ONNX_WORKER=0/1 forcing
 * either way. Then through `predict` on real patches, one job each side of the threshold: the
 * runner info says which mode ran, and the outputs of the images both ran are identical.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listImageFolder } from '../../../../src/main/ml/infer/image-batches';
import { predict } from '../../../../src/main/ml/infer/predict';
import { sessionInWorker, sessionPlacement, WORKER_FROM_IMAGES } from '../../../../src/main/ml/onnx/session-placement';
import { needs } from '../../../helpers/needs.js';
import { sharedPath } from '../../../helpers/shared-data';

const vitTiny = sharedPath('oracle/vit_tiny');
const lung = sharedPath('data/patches/lc25000_lung');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-session-placement-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sessionPlacement', () => {
  const none = {};
  it('runs a short job inline and a long one in a worker, the threshold included', () => {
    expect(WORKER_FROM_IMAGES).toBeGreaterThan(1);
    expect(sessionPlacement(1, none)).toBe('inline');
    expect(sessionPlacement(0, none)).toBe('inline');
    expect(sessionPlacement(WORKER_FROM_IMAGES - 1, none)).toBe('inline');
    expect(sessionPlacement(WORKER_FROM_IMAGES, none)).toBe('worker');
    expect(sessionPlacement(Number.POSITIVE_INFINITY, none)).toBe('worker');
    expect(sessionInWorker(WORKER_FROM_IMAGES - 1, none)).toBe(false);
    expect(sessionInWorker(WORKER_FROM_IMAGES, none)).toBe(true);
  });

  it('takes a job of unknown size as long', () => {
    expect(sessionPlacement(undefined, none)).toBe('worker');
  });

  it('is forced by TESSELLA_ONNX_WORKER=1 or =0 whatever the size, and ignores other values', () => {
    expect(sessionPlacement(1, { TESSELLA_ONNX_WORKER: '1' })).toBe('worker');
    expect(sessionPlacement(Number.POSITIVE_INFINITY, { TESSELLA_ONNX_WORKER: '0' })).toBe('inline');
    expect(sessionPlacement(undefined, { TESSELLA_ONNX_WORKER: '0' })).toBe('inline');
    expect(sessionPlacement(1, { TESSELLA_ONNX_WORKER: '' })).toBe('inline');
    expect(sessionPlacement(WORKER_FROM_IMAGES, { TESSELLA_ONNX_WORKER: 'yes' })).toBe('worker');
  });
});

describe('predict places its session by the number of files', needs(vitTiny, lung), () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env['TESSELLA_ONNX_WORKER'];
    delete process.env['TESSELLA_ONNX_WORKER']; // the size decides here, not a bench's override
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['TESSELLA_ONNX_WORKER'];
    else process.env['TESSELLA_ONNX_WORKER'] = saved;
  });

  it('inline below the threshold, in a worker at it, with identical outputs for the same images', async () => {
    const patches = (await listImageFolder(lung!)).map((f) => f.file);
    const short = patches.filter((_, i) => i % 11 === 0).slice(0, 6);
    // the same patches again and again up to the threshold: each is still read and run
    const long = Array.from({ length: WORKER_FROM_IMAGES }, (_, i) => short[i % short.length]!);
    const opts = { cacheDir: join(tmp, 'onnx'), batchSize: 8 };
    const a = await predict(vitTiny!, short, opts);
    const b = await predict(vitTiny!, long, opts);
    expect(a.engine.session).toBe('inline');
    expect(b.engine.session).toBe('worker');
    expect(b.predictions).toHaveLength(long.length);
    for (let i = 0; i < long.length; i++) expect(b.predictions[i]).toEqual(a.predictions[i % short.length]);
  }, 180_000);
});

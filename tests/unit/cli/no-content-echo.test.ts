/**
 * Error messages name the problem and the file, never the file's contents: a system file or a
 * binary given where a CSV, a GeoJSON, a config.json or an image is expected gives one line with
 * no line of the file and no control byte in it (V8's JSON.parse message quotes the text).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGeoJson } from '../../../src/main/annotations/geojson.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { describeJsonSyntaxError } from '../../../src/main/errors.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { decodeImage } from '../../../src/main/ml/models/processors.js';
import { openDb } from '../../../src/main/store/db.js';
import { tessella } from '../../helpers/cli.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { expectOneLineError } from '../predict/fixtures.js';
import { needs } from '../../helpers/needs.js';

const FILES = ['/etc/passwd', '/bin/ls'].filter((f) => existsSync(f));
if (FILES.length < 2) console.warn('[skip] /etc/passwd or /bin/ls is absent; content-echo checks run on what exists');
const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');

/** One line, no control byte, and no line (of 6+ characters) of `file` in it. */
function expectNoContent(message: string, file: string): void {
  expect(message.split('\n')).toHaveLength(1);
  // eslint-disable-next-line no-control-regex
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
  const lines = readFileSync(file, 'latin1')
    .split(/[\n\u0000]/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 6);
  for (const l of lines) expect(message, `quotes ${JSON.stringify(l.slice(0, 40))}`).not.toContain(l);
  // Nor a piece of the first line (V8 quotes the first ten characters or so).
  const first = lines[0]!;
  expect(message).not.toContain(first.slice(0, 8));
}

async function messageOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

describe('JSON syntax errors', () => {
  it('keep V8’s words and position, never its quote of the text', () => {
    const err = (text: string) => {
      try {
        JSON.parse(text);
      } catch (e) {
        return describeJsonSyntaxError(e, text);
      }
      throw new Error('parsed');
    };
    expect(err('root:x:0:0:root:/root:/bin/bash')).toBe('unexpected character');
    expect(err('{"type":\n "FeatureCollection",\n "features": [{} {}]}')).toBe("Expected ',' or ']' after array element at position 48 (line 3, column 18)");
    expect(err('{"a": ')).toBe('the text ends too early');
  });
});

describe.each(FILES)('%s given as', (file) => {
  const contract = inProcessContract('tessella-no-echo-');

  it('a dataset CSV', async () => {
    const db = openDb(join(contract.dir, `csv-${file.replaceAll('/', '_')}.db`));
    try {
      const m = await messageOf(importDataset(db, { path: file, csv: true, root: contract.dir, name: 'x' }));
      expect(m).toMatch(new RegExp(`^no readable images in ${file}; \\d+ problem\\(s\\), first: `));
      expectNoContent(m, file);
    } finally {
      db.close();
    }
  });

  it('a GeoJSON (parser and annotations.import)', async () => {
    const m = await messageOf(() => parseGeoJson(readFileSync(file, 'utf8')));
    expect(m).toMatch(/^not valid JSON: /);
    expectNoContent(m, file);
    if (svs) {
      const [slide] = (await contract.call('slides.add', { paths: [svs] })).added;
      const e = await contract.call('annotations.import', { slideId: slide!.id, path: file }).catch((err: unknown) => err);
      expect(e).toMatchObject({ kind: 'invalid-input' });
      expectNoContent((e as Error).message, file);
    }
  });

  it('a config.json of a checkpoint', async () => {
    const dir = join(contract.dir, `ck-${file.replaceAll('/', '_')}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, 'config.json'));
    const e = await loadCheckpoint(dir).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: 'corrupt' });
    expect((e as Error).message).toMatch(new RegExp(`^${join(dir, 'config.json')}: not valid JSON \\(`));
    expectNoContent((e as Error).message, file);
  });

  it('an image to classify or explain', async () => {
    const e = await decodeImage(file).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: 'unsupported' });
    expect((e as Error).message).toMatch(/: not a readable image \(unsupported or unrecognised format\)$/);
    expectNoContent((e as Error).message, file);
  });

  it('analysis.explain: unsupported (415), naming the file', { ...needs(vitTiny), timeout: 120_000 }, async () => {
    const e = await contract.call('analysis.explain', { model: vitTiny!, image: file }).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: 'unsupported' });
    expect((e as Error).message).toBe(`${file.split('/').pop()}: not a readable image (unsupported or unrecognised format)`);
  });
});

describe('through the CLI', { timeout: 240_000 }, () => {
  const contract = inProcessContract('tessella-no-echo-cli-');
  const passwd = FILES.find((f) => f === '/etc/passwd');

  it('dataset import --csv /etc/passwd and annotations import of it: one line, no content', needs(svs), () => {
    const env = { TESSELLA_HOME: join(contract.dir, 'cli-home') };
    const csv = tessella(['dataset', 'import', contract.dir, '--csv', passwd!], env);
    expectOneLineError(csv, 1, /^tessella: no readable images in \/etc\/passwd; /);
    expectNoContent(csv.stderr.trim(), passwd!);
    const geo = tessella(['annotations', 'import', svs!, passwd!], env);
    expectOneLineError(geo, 1, /^tessella: not valid JSON: /);
    expectNoContent(geo.stderr.trim(), passwd!);
  });
});

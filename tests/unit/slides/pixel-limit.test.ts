/**
 * Decompression bombs: a PNG of a few kilobytes whose header declares 50,000 x 50,000 pixels is
 * refused from its header, as too-large and in one line, by every door that opens a plain image
 * (slide add/info, slides.add, predict/explain decoding, dataset import), and never registered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFacts, ImageProblem } from '../../../src/main/datasets/image-facts.js';
import { DomainError } from '../../../src/main/errors.js';
import { decodeImage } from '../../../src/main/ml/models/processors.js';
import { openSlide } from '../../../src/main/slides/open-slide.js';
import { checkPlainImagePixels, PLAIN_IMAGE_MAX_PIXELS } from '../../../src/main/slides/pixel-limit.js';
import { tessella } from '../../helpers/cli.js';
import { inProcessContract } from '../../helpers/in-process-contract.js';
import { makePngBomb } from '../../helpers/make-slides.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expectOneLineError } from '../predict/fixtures.js';

const LIMIT_LINE =
  'bomb-50000x50000.png: 50000 x 50000 pixels is over the 268 million pixel limit for plain images; convert it to a pyramid (tiled TIFF) first';

let bomb: string;
beforeAll(async () => {
  bomb = await makePngBomb();
});

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('the plain-image pixel budget', () => {
  it("is sharp's default limit, inclusive", () => {
    expect(PLAIN_IMAGE_MAX_PIXELS).toBe(268_402_689);
    expect(() => checkPlainImagePixels('a.png', 16383, 16383)).not.toThrow();
    expect(() => checkPlainImagePixels('a.png', 16384, 16383)).toThrow(/a\.png: 16384 x 16383 pixels is over the 268 million pixel limit/);
  });

  it('the bomb is a few kilobytes claiming 2.5 billion pixels', () => {
    const bytes = readFileSync(bomb);
    expect(bytes.length).toBeLessThan(64 * 1024);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([50_000, 50_000]);
  });
});

describe('a PNG bomb is refused from its header', () => {
  const contract = inProcessContract('tessella-bomb-');

  it('by openSlide, as too-large, with the one-line message', async () => {
    const e = await rejection(openSlide(bomb, { cacheDir: join(contract.dir, 'cache') }));
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe(LIMIT_LINE);
  });

  it('by the image decoder of predict, features and explain (file and buffer)', async () => {
    expect((await rejection(decodeImage(bomb))).message).toBe(LIMIT_LINE);
    const fromBuffer = await rejection(decodeImage(readFileSync(bomb)));
    expect(fromBuffer.kind).toBe('too-large');
    expect(fromBuffer.message).toMatch(/^the image: 50000 x 50000 pixels is over/);
  });

  it('by the dataset image reader', async () => {
    const e = await readImageFacts(bomb).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ImageProblem);
    expect((e as ImageProblem).reason).toMatch(/^50000 x 50000 pixels is over the 268 million pixel limit/);
  });

  it('by slides.add, which reports it as too-large and registers nothing', async () => {
    const r = await contract.call('slides.add', { paths: [bomb] });
    expect(r.added).toEqual([]);
    expect(r.errors).toEqual([{ path: bomb, message: LIMIT_LINE, kind: 'too-large' }]);
    expect(await contract.call('slides.list', {})).toEqual([]);
  });
});

describe('a PNG bomb through the CLI', { timeout: 180_000 }, () => {
  const home = tempHome('tessella-bomb-cli-');
  afterAll(() => home.cleanup());

  it('slide info and slide add exit 1 with one line, and slide list stays empty', () => {
    const env = { TESSELLA_HOME: join(home.dir, 'home') };
    expectOneLineError(tessella(['slide', 'info', bomb], env), 1, new RegExp(`^tessella: ${LIMIT_LINE.replace(/[().]/g, '\\$&')}$`));
    expectOneLineError(tessella(['slide', 'add', bomb, '--json'], env), 1, /bomb-50000x50000\.png: 50000 x 50000 pixels is over the 268 million pixel limit/);
    const list = tessella(['slide', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});

/**
 * Errors the CLI prints: always one readable line (zod failures named by option, control bytes
 * and later lines dropped), exit 1 for a failure nobody caught, negative numbers taken as
 * option values; and a truncated DICOM named as such instead of "[object Object]".
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodIssues, toDomainError } from '../../../src/main/errors.js';
import { openSlide } from '../../../src/main/slides/open-slide.js';
import { tessella } from '../../helpers/cli.js';
import { makeTruncatedCopy } from '../../helpers/make-slides.js';
import { repoRoot, SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expectOneLineError } from '../predict/fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-cli-errors-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());
const svs = sharedPath(SLIDES.svs);
const dcm = sharedPath(SLIDES.dicom);
const vitTiny = sharedPath('oracle/vit_tiny');

describe('zod failures as one line', () => {
  const schema = z.object({
    mpp: z.number().min(0.05).max(64),
    minTissue: z.number().min(0).max(1),
    name: z.string().min(1).max(5),
    mode: z.enum(['mean', 'max']),
    count: z.number().int(),
  });
  const issues = schema.safeParse({ mpp: 1000, minTissue: -1, name: 'abcdefgh', mode: 'median', count: 1.5 }).error!.issues;

  it('says what each field must be, never the value given', () => {
    const line = describeZodIssues(issues);
    expect(line).toBe('mpp: must be at most 64; minTissue: must be at least 0; name: must be at most 5 characters; mode: must be one of "mean", "max"; count: must be an integer');
    expect(line).not.toMatch(/1000|abcdefgh|median|1\.5/);
  });

  it('names fields as the caller knows them, and a thrown ZodError becomes invalid-input', () => {
    const e = toDomainError(schema.safeParse({ mpp: 1000, minTissue: 0, name: 'a', mode: 'max', count: 1 }).error, { field: (p) => `--${String(p[0])}` });
    expect(e.kind).toBe('invalid-input');
    expect(e.message).toBe('--mpp: must be at most 64');
  });
});

describe('slide infer with an out-of-range option', { ...needs(svs, vitTiny), timeout: 180_000 }, () => {
  it('--mpp 1000 prints the option and its bound, not the JSON of zod issues', () => {
    const r = tessella(['slide', 'infer', svs!, '--model', vitTiny!, '--mpp', '1000'], env);
    expectOneLineError(r, 1, /^tessella: --mpp: must be at most 64$/);
  });
});

describe('negative numbers as option values', { ...needs(svs), timeout: 180_000 }, () => {
  it('--x -100 --y -50 reads a region partly left of and above the slide (transparent there)', async () => {
    const out = join(home.dir, 'negative.png');
    const r = tessella(['slide', 'region', svs!, '--x', '-100', '--y', '-50', '--width', '200', '--height', '100', '--out', out, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ x: -100, y: -50, width: 200, height: 100 });
    const { data, info } = await sharp(out).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const alpha = (x: number, y: number) => data[(y * info.width + x) * 4 + 3];
    expect([alpha(0, 0), alpha(99, 49), alpha(100, 50), alpha(199, 99)]).toEqual([0, 0, 255, 255]);
  });

  it('a negative where the command forbids it is refused by the command’s own check', () => {
    expectOneLineError(tessella(['slide', 'region', svs!, '--width', '-5', '--height', '10', '--out', join(home.dir, 'x.png')], env), 2, /--width and --height must be positive/);
    expectOneLineError(tessella(['slide', 'region', svs!, '--level', '-1', '--width', '5', '--height', '5', '--out', join(home.dir, 'x.png')], env), 2, /--level must be 0\.\.0/);
    expectOneLineError(tessella(['slide', 'infer', svs!, '--model', 'vit_tiny', '--overlap', '-.5'], env), 2, /--overlap must be between 0 and 0\.75/);
  });
});

/** Runs main() in a child with one extra command whose run() is `body`. */
function runWithCommand(body: string, args: string[] = []): { code: number | null; stderr: string; stdout: string } {
  const code = `
    const { commands } = await import(${JSON.stringify(join(repoRoot, 'src/main/cli/commands/index.ts'))});
    commands.push({ path: ['boom'], summary: 'fails on purpose', async run() { ${body} } });
    const { main } = await import(${JSON.stringify(join(repoRoot, 'src/main/cli/main.ts'))});
    const exit = await main(['boom', ...${JSON.stringify(args)}]);
    process.exit(exit);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('the last resort', { timeout: 180_000 }, () => {
  const nasty = "new Error('first\\u0007 line\\u001b[31m\\nroot:x:0:0:root:/root:/bin/bash')";

  it('a thrown message with control bytes and more lines prints its first line, cleaned', () => {
    const r = runWithCommand(`throw ${nasty};`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tessella: first? line?[31m\n');
  });

  it('an unhandled rejection is one line and exit 1, no stack', () => {
    const r = runWithCommand(`Promise.reject(${nasty}); await new Promise((r) => setTimeout(r, 60_000));`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tessella: first? line?[31m\n');
  });

  it('an uncaught exception from a timer is one line and exit 1; --debug adds the stack', () => {
    const body = `setTimeout(() => { throw ${nasty}; }, 10); await new Promise((r) => setTimeout(r, 60_000));`;
    const r = runWithCommand(body);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tessella: first? line?[31m\n');
    const debug = runWithCommand(body, ['--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^tessella: first\? line\?\[31m\nError: first/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('a truncated DICOM', needs(dcm), () => {
  it.each([400, 600])('cut at %i bytes is corrupt, named, with the parser’s reason instead of [object Object]', async (bytes) => {
    const cut = await makeTruncatedCopy(dcm!, bytes / 1_546_968, `dicom-head-${bytes}.dcm`);
    const e = (await openSlide(cut, { cacheDir: join(home.dir, 'cache') }).catch((err: unknown) => err)) as Error & { kind: string };
    expect(e.kind).toBe('corrupt');
    expect(e.message).toContain(`dicom-head-${bytes}.dcm is not a readable DICOM file (truncated or damaged header: dicomParser`);
    expect(e.message).not.toContain('[object Object]');
    expect(e.message.split('\n')).toHaveLength(1);
  });
});

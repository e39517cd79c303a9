/**
 * What a test needs from the machine, declared as the options of `describe` or `it`:
 *
 *   describe('tessella report slide', { ...needs(svs, vitTiny, has.chromium, has.poppler), timeout: 240_000 }, () => ...)
 *
 * An unmet need skips the suite or test and records why in the task's meta (`skip:<reason>`,
 * inherited by every test inside a skipped describe), so tests/summary-reporter.ts can name what
 * was skipped and why, and fail a CI run that skipped something CI provides. Plain
 * `describe.skipIf` / `it.skipIf` carry no reason: use this instead.
 *
 * Paths from sharedPath() (string, or null when absent) count as needs on ../shared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { openslideStatus } from '../../src/main/slides/openslide.js';
import { SKIP_META_PREFIX, type SkipReason } from './skip-reasons.js';

declare module 'vitest' {
  interface TaskMeta {
    [key: `skip:${string}`]: string | undefined;
  }
}

export interface Need {
  readonly reason: SkipReason;
  /** Checked once, on first use: some checks start a process. */
  readonly met: boolean;
  readonly detail: string;
}

/** A need checked lazily; `detail` says what is missing (a path, a package to install). */
export function need(reason: SkipReason, detail: string | (() => string), check: () => boolean): Need {
  let met: boolean | undefined;
  let announced = false;
  return {
    reason,
    get met() {
      met ??= check();
      if (!met && !announced) {
        announced = true;
        console.warn(`[skip] ${this.detail}`);
      }
      return met;
    },
    get detail() {
      return typeof detail === 'function' ? detail() : detail;
    },
  };
}

function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined;
}

const SYSTEM_PYTHON = '/usr/bin/python3';
const pythonImports = (modules: string) => spawnSync(SYSTEM_PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;

export const CHROMIUM = process.env['TESSELLA_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * The Electron binary the electron package downloaded (its install script writes path.txt), or
 * null. TESSELLA_ELECTRON names another binary.
 */
export function electronBinary(): string | null {
  const override = process.env['TESSELLA_ELECTRON'];
  if (override) return existsSync(override) ? override : null;
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathTxt = join(dir, 'path.txt');
    if (!existsSync(pathTxt)) return null;
    const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Everything outside the repo some tests need; .ci/run installs all of these but Electron. */
export const has = {
  chromium: need('chromium', `no Chromium at ${CHROMIUM} (apt-get install chromium, or set TESSELLA_CHROMIUM)`, () => existsSync(CHROMIUM)),
  openslide: need('openslide', () => `OpenSlide unavailable: ${openslideStatus().detail} (apt-get install libopenslide0)`, () => openslideStatus().available),
  pythonOpenSlide: need('python-openslide', `${SYSTEM_PYTHON} cannot import openslide (apt-get install python3-openslide)`, () => pythonImports('openslide.deepzoom, PIL')),
  numpy: need('numpy', `${SYSTEM_PYTHON} cannot import numpy (apt-get install python3-numpy)`, () => pythonImports('numpy')),
  vips: need('vips', 'no vips command (apt-get install libvips-tools)', () => runs('vips', ['--version'])),
  poppler: need('poppler', 'no pdftotext/pdfinfo/pdffonts/pdftoppm (apt-get install poppler-utils)', () =>
    ['pdftotext', 'pdfinfo', 'pdffonts', 'pdftoppm'].every((t) => runs(t, ['-v'])),
  ),
  dcmtk: need('dcmtk', 'no dcmj2pnm (apt-get install dcmtk)', () => runs('dcmj2pnm', ['--version'])),
  // Not installed by .ci/run (its download is disallowed there), so by default an allowed skip; the
  // GitHub workflow downloads it and sets TESSELLA_REQUIRE_ELECTRON=1 so that a skip fails there.
  electron: need(
    process.env['TESSELLA_REQUIRE_ELECTRON'] === '1' ? 'electron-required' : 'electron',
    'no Electron binary (node node_modules/electron/install.js downloads it), so the desktop e2e suite is skipped',
    () => electronBinary() !== null,
  ),
  /** What tests/helpers/slurm-cluster.ts needs to start a one-node cluster: the daemons, and root to run them. */
  slurm: need('slurm', 'no one-node Slurm cluster: needs root and slurmctld, slurmd, sbatch, munged (apt-get install slurm-wlm munge)', () =>
    process.getuid?.() === 0 && ['slurmctld', 'slurmd', 'munged'].every((d) => runs(d, ['-V'])) && runs('sbatch', ['--version']),
  ),
};

/** A full-size oracle copy with regenerated weights (opt-in; see tests/unit/ml/oracle.ts). */
export function oracleWeights(dir: string | null, name: string): Need {
  return need('oracle-weights', `full-size ${name} weights are not generated (TESSELLA_ORACLE_WEIGHTS)`, () => dir !== null);
}

const sharedAbsent: Need = { reason: 'shared', met: false, detail: 'a file under ../shared is absent' };

/** Options for describe/it: skip with the unmet needs' reasons recorded, or run. */
export function needs(...wanted: (Need | string | null)[]): { skip: boolean; meta: Record<`skip:${string}`, string> } {
  const meta: Record<`skip:${string}`, string> = {};
  for (const w of wanted) {
    const n = typeof w === 'string' ? null : w === null ? sharedAbsent : w;
    if (n && !n.met) meta[`${SKIP_META_PREFIX}${n.reason}`] = n.detail;
  }
  return { skip: Object.keys(meta).length > 0, meta };
}

/** Same check as needs(), as a boolean, for code paths that pick what to do rather than skip. */
export function allMet(...wanted: (Need | string | null)[]): boolean {
  return !needs(...wanted).skip;
}

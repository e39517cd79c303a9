/**
 * The closing lines of a run: one line naming what was skipped and why, then "Tests: ..." last;
 * under CI=true a skip for something CI provides (or with no reason) sets a failing exit code.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import { needs, need, has } from '../../helpers/needs.js';
import SummaryReporter from '../../summary-reporter.js';

type Fake = { state: 'passed' | 'failed' | 'skipped'; meta?: Record<string, string>; note?: string; suiteFailed?: boolean; mode?: 'run' | 'skip' };

function modules(...tests: Fake[]): TestModule[] {
  const module = { type: 'module', state: () => 'passed' };
  const cases = tests.map((t) => ({
    result: () => ({ state: t.state, note: t.note }),
    meta: () => t.meta ?? {},
    options: { mode: t.mode ?? (t.state === 'skipped' ? 'skip' : 'run') },
    parent: { type: 'suite', state: () => (t.suiteFailed ? 'failed' : 'passed'), parent: module },
  }));
  return [{ children: { allTests: () => cases.values() } }] as unknown as TestModule[];
}

function finish(tests: Fake[], opts: { ci: boolean; filtering?: boolean }): { lines: string[]; exitCode: typeof process.exitCode } {
  vi.stubEnv('CI', opts.ci ? 'true' : '');
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const reporter = new SummaryReporter();
  reporter.onInit({ config: { testNamePattern: opts.filtering ? /x/ : undefined } } as never);
  try {
    reporter.onTestRunEnd(modules(...tests));
  } finally {
    write.mockRestore();
  }
  const exitCode = process.exitCode;
  process.exitCode = saved;
  return { lines: out.trim().split('\n'), exitCode };
}

let saved: typeof process.exitCode;
beforeEach(() => {
  saved = process.exitCode;
});
afterEach(() => {
  process.exitCode = saved;
  vi.unstubAllEnvs();
});

const absent = needs(null).meta;
const noChromium = needs(need('chromium', 'no Chromium at /nope', () => false)).meta;
const noWeights = needs(need('oracle-weights', 'no weights', () => false)).meta;

describe('summary reporter', () => {
  it('names each reason with its count, most first, and keeps the Tests line last', () => {
    const { lines, exitCode } = finish(
      [{ state: 'passed' }, { state: 'failed' }, { state: 'skipped', meta: absent }, { state: 'skipped', meta: absent }, { state: 'skipped', meta: noChromium }],
      { ci: false },
    );
    expect(lines.slice(-2)).toEqual(['Skipped 3 tests: ../shared absent (2), Chromium absent (1)', 'Tests: 1 passed, 1 failed, 3 skipped']);
    expect(exitCode).toBe(saved);
  });

  it('under CI=true fails the run on a skip CI provides for, and says so', () => {
    const { lines, exitCode } = finish([{ state: 'passed' }, { state: 'skipped', meta: noChromium }], { ci: true });
    expect(lines.at(-2)).toBe('Skipped 1 test: Chromium absent (1) -- FAILED: CI=true and CI provides what these need (Chromium absent)');
    expect(lines.at(-1)).toBe('Tests: 1 passed, 0 failed, 1 skipped');
    expect(exitCode).toBe(1);
  });

  it('under CI=true allows a skip by design, still named', () => {
    const { lines, exitCode } = finish([{ state: 'passed' }, { state: 'skipped', meta: noWeights }], { ci: true });
    expect(lines.slice(-2)).toEqual(['Skipped 1 test: full-size oracle weights not generated (1)', 'Tests: 1 passed, 0 failed, 1 skipped']);
    expect(exitCode).toBe(saved);
  });

  it('joins the reasons of a test that misses several things', () => {
    const both = { ...absent, ...noChromium };
    expect(finish([{ state: 'skipped', meta: both }], { ci: false }).lines.at(-2)).toBe('Skipped 1 test: ../shared absent + Chromium absent (1)');
  });

  it('counts a skip without a reason as one, which CI refuses; a -t filter is not a failure', () => {
    const bare = finish([{ state: 'skipped' }], { ci: true });
    expect(bare.lines.at(-2)).toMatch(/^Skipped 1 test: no reason given \(1\) -- FAILED/);
    expect(bare.exitCode).toBe(1);
    // filtered out of a file whose other test failed: still a filter, not a suite failure
    const filtered = finish([{ state: 'failed' }, { state: 'skipped', suiteFailed: true }], { ci: true, filtering: true });
    expect(filtered.lines.at(-2)).toBe('Skipped 1 test: filtered out by -t (1)');
    expect(filtered.exitCode).toBe(saved);
  });

  it('names the tests a failed beforeAll left unrun without blaming CI for them', () => {
    const r = finish([{ state: 'failed' }, { state: 'skipped', mode: 'run', suiteFailed: true }], { ci: true });
    expect(r.lines.slice(-2)).toEqual(['Skipped 1 test: not run: their suite or file failed (1)', 'Tests: 0 passed, 1 failed, 1 skipped']);
    expect(r.exitCode).toBe(saved);
  });

  it('says when nothing was skipped', () => {
    expect(finish([{ state: 'passed' }], { ci: true }).lines).toEqual(['Skipped 0 tests', 'Tests: 1 passed, 0 failed, 0 skipped']);
  });
});

describe('needs()', () => {
  it('runs when every need is met and records nothing', () => {
    expect(needs('/some/file', need('vips', 'x', () => true))).toEqual({ skip: false, meta: {} });
  });

  it('skips with one meta entry per unmet reason, checking each need once', () => {
    const check = vi.fn(() => false);
    const dcmtk = need('dcmtk', 'no dcmj2pnm', check);
    expect(needs(null, dcmtk, '/present')).toEqual({ skip: true, meta: { 'skip:shared': 'a file under ../shared is absent', 'skip:dcmtk': 'no dcmj2pnm' } });
    needs(dcmtk);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('has a need for every tool .ci/run installs', () => {
    expect(Object.values(has).map((n) => n.reason).sort()).toEqual(['chromium', 'dcmtk', 'electron', 'numpy', 'openslide', 'poppler', 'python-openslide', 'slurm', 'vips']);
  });
});

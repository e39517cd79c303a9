/**
 * Prints, after vitest's own report, one line naming what was skipped and why, then the plain
 * closing line CI reads ("Tests: N passed, N failed, N skipped"), which stays last.
 *
 * Skip reasons come from the `skip:<reason>` meta tests/helpers/needs.ts puts on skipped tasks.
 * Under CI=true a skip for something CI's set-up provides (../shared, Chromium, the apt tools of
 * .ci/run), or a skip with no reason at all, fails the run: there it means the set-up broke.
 */
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { isSkipReason, SKIP_META_PREFIX, SKIP_REASONS, type SkipReason } from './helpers/skip-reasons.js';

const NO_REASON = 'no reason given';
const FILTERED = 'filtered out by -t';
// vitest marks the tests of a suite whose beforeAll threw as skipped; the failure already fails the run
const SUITE_FAILED = 'not run: their suite or file failed';

export default class SummaryReporter implements Reporter {
  private filtering = false;

  onInit(vitest: Vitest) {
    this.filtering = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const byReason = new Map<string, number>();
    const ciShouldHave = new Set<string>();
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else {
          skipped++;
          const { label, ciFailure } = this.why(t);
          byReason.set(label, (byReason.get(label) ?? 0) + 1);
          if (ciFailure) ciShouldHave.add(label);
        }
      }
    }
    const ci = isCi();
    const parts = [...byReason].sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} (${n})`);
    let line = skipped === 0 ? 'Skipped 0 tests' : `Skipped ${skipped} test${skipped === 1 ? '' : 's'}: ${parts.join(', ')}`;
    if (ci && ciShouldHave.size > 0) {
      line += ` -- FAILED: CI=true and CI provides what these need (${[...ciShouldHave].join(', ')})`;
      process.exitCode = 1;
    }
    process.stdout.write(`\n${line}\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }

  /** The skip's reason label(s), and whether a CI run must not have skipped it. */
  private why(t: TestCase): { label: string; ciFailure: boolean } {
    const reasons = Object.keys(t.meta())
      .filter((k) => k.startsWith(SKIP_META_PREFIX))
      .map((k) => k.slice(SKIP_META_PREFIX.length));
    if (reasons.length === 0) {
      // A runtime ctx.skip(note) carries its note; anything else is a bare skip.
      const r = t.result();
      const note = r.state === 'skipped' ? r.note : undefined;
      if (note) return { label: note, ciFailure: true };
      // meant to run (not skipped by -t or a flag) yet skipped: a beforeAll above it threw
      if (t.options.mode !== 'skip' && t.options.mode !== 'todo' && enclosingFailed(t)) return { label: SUITE_FAILED, ciFailure: false };
      if (this.filtering) return { label: FILTERED, ciFailure: false };
      return { label: NO_REASON, ciFailure: true };
    }
    // in the table's order, so one combination always reads the same
    const known = (Object.keys(SKIP_REASONS) as SkipReason[]).filter((r) => reasons.includes(r));
    const labels = known.map((r) => SKIP_REASONS[r].label);
    const unknown = reasons.filter((r) => !isSkipReason(r));
    return {
      label: [...labels, ...unknown].join(' + '),
      ciFailure: unknown.length > 0 || known.some((r) => SKIP_REASONS[r].ci),
    };
  }
}

function enclosingFailed(t: TestCase): boolean {
  for (let p: TestCase['parent'] = t.parent; ; p = p.parent) {
    if (p.state() === 'failed') return true;
    if (p.type === 'module') return false;
  }
}

function isCi(): boolean {
  const v = process.env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

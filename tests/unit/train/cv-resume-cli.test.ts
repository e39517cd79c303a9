/**
 * `tessella train --cv-resume GROUP`: a head cross-validation whose CLI is killed with kill -9
 * while it embeds is found failed and resumed by the CLI: exit 0, one JSON document, the same
 * folds, numbers and pooled report as the same cross-validation run straight through (heads are
 * fitted again on the cached embeddings, deterministically); a completed group is refused with
 * exit 2, an unknown one with exit 1, each as one line.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../../src/main/store/db.js';
import { RunGroupsRepo } from '../../../src/main/store/run-groups-repo.js';
import { tessella, tessellaAsync } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { waitUntil } from '../../helpers/wait-until.js';
import { lung, lungCopy, oneJson, vitTiny } from './fixtures.js';

const home = tempHome('tessella-cv-resume-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

/** The group listed as running, and the process running it. */
function runningGroup(): { id: number; pid: number | null } | undefined {
  const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
  try {
    return new RunGroupsRepo(db).running()[0];
  } finally {
    db.close();
  }
}

describe('tessella train --cv-resume', { ...needs(lung, vitTiny), timeout: 600_000 }, () => {
  const cv = ['train', '--dataset', 'lung', '--backbone', vitTiny!, '--head', 'logreg', '--cv', '3', '--sweep', 'c=0.1,1', '--seed', '2'];
  let killed: number;

  beforeAll(async () => {
    const imp = tessella(['dataset', 'import', lungCopy(home.dir).dir, '--name', 'lung', '--json'], env, 300_000);
    expect(imp.code, imp.stderr).toBe(0);
    const child = tessellaAsync([...cv, '--json'], env, 300_000);
    // kill -9 as soon as the group is written: it is loading the backbone or embedding then
    let row: ReturnType<typeof runningGroup>;
    await waitUntil(() => (row = runningGroup()) !== undefined && row.pid !== null, 120_000);
    killed = row!.id;
    process.kill(row!.pid!, 'SIGKILL');
    await child;
  }, 600_000);

  it('resumes the killed group: exit 0, one JSON document, the numbers of a straight run', () => {
    const r = tessella(['train', '--cv-resume', String(killed), '--json'], env, 300_000);
    expect(r.code, r.stderr).toBe(0);
    const out = oneJson(r.stdout);
    expect(out).toMatchObject({ group: killed, kind: 'sweep', mode: 'head', head: 'logreg', folds: 3, repeats: 1, seed: 2 });
    expect(out.results).toHaveLength(3 * 2);

    const straight = tessella([...cv, '--json'], env, 300_000);
    expect(straight.code, straight.stderr).toBe(0);
    const want = oneJson(straight.stdout);
    expect(want.group).not.toBe(killed);
    // nothing embedded a second time
    expect(want.embeddings).toMatchObject({ images: 90, computed: 0 });
    for (const k of ['results', 'points', 'best', 'bestParams', 'summary', 'pooledTest']) expect(out[k], k).toEqual(want[k]);

    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      expect(new RunGroupsRepo(db).get(killed)).toMatchObject({ status: 'completed', error: null, done: 6, total: 6 });
    } finally {
      db.close();
    }
  });

  it('refuses a completed group (exit 2) and an unknown one (exit 1), as one line', () => {
    const done = tessella(['train', '--cv-resume', String(killed), '--json'], env);
    expect(done.code).toBe(2);
    expect(done.stdout).toBe('');
    expect(done.stderr.trim().split('\n')).toEqual([`tessella: cross-validation ${killed} is completed; only a cancelled or failed one is resumed`]);
    const none = tessella(['train', '--cv-resume', '99', '--json'], env);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toEqual(['tessella: no cross-validation or sweep with id 99']);
    const mixed = tessella(['train', '--cv-resume', String(killed), '--cv', '3'], env);
    expect(mixed.code).toBe(2);
  });
});

/**
 * Resuming a cross-validation from the Runs page, in Chromium against browser mode: a head
 * cross-validation left running by a process that died (what kill -9 of a CLI leaves) shows
 * failed with a Resume button; a click runs it again in a worker, and the row ends completed
 * with mean ± sd per metric, the Resume button gone.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../src/shared/api.js';
import { openDb } from '../../src/main/store/db.js';
import { headCvRequest, startHeadCvGroup } from '../../src/main/train/cv/head-cv-run.js';
import { shots } from '../helpers/browser.js';
import { e2eSession } from '../helpers/e2e-session.js';
import { has, needs } from '../helpers/needs.js';
import { sharedPath } from '../helpers/shared-data.js';
import { lungSubset } from '../helpers/lung-subset.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('resuming a cross-validation from the Runs page in Chromium', { ...needs(has.chromium, lung, vitTiny), timeout: 300_000 }, () => {
  const session = e2eSession('tessella-e2e-cv-resume-', { viewport: { width: 1600, height: 1000 } });
  const { home, call } = session;
  let groupId = 0;

  beforeAll(async () => {
    const few = lungSubset(join(home.dir, 'few'), 6, ['lung_aca', 'lung_n']);
    const { id: datasetId } = await call('datasets.import', { path: few, name: 'few' });
    // the group as a CLI killed before its first fold leaves it: running, by a process now gone
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const db = openDb(join(home.dir, 'home', 'tessella.db'));
    try {
      groupId = startHeadCvGroup(db, headCvRequest(calls['training.startGroup'].input.parse({ datasetId, backbone: vitTiny!, folds: 2, name: 'crashed' })), gone);
    } finally {
      db.close();
    }
  }, 180_000);

  it('shows the group failed with Resume; a click runs it to mean ± sd', async () => {
    await session.page.goto(session.serve.url + '#/runs');
    await session.page.getByTestId('run-groups').waitFor();
    const row = session.page.locator(`[data-testid="run-group-point"][data-group-id="${groupId}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('failed');
    expect(await row.getByTestId('run-group-error').textContent()).toBe('the process running it ended before it did');
    await row.getByTestId('run-group-resume').click();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    expect(await row.locator('[data-metric="test_accuracy"]').textContent()).toMatch(/^\d+\.\d% ± \d+\.\d%$/);
    expect(await row.getByTestId('run-group-resume').count()).toBe(0);
    await session.page.screenshot({ path: join(shots, 'run-group-resume.png') });
    expect(await call('runs.group', { id: groupId })).toMatchObject({ status: 'completed', error: null, done: 2, total: 2 });
  });
});

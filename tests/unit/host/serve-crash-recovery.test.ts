/**
 * The fault test of browser mode: `tessella serve` is killed with SIGKILL while an analysis runs
 * and another waits in the queue, then started again on the same data home. With no further
 * call, the killed analysis is found interrupted (its process is gone), resumes from the tiles it
 * had stored and completes, and the queued one starts after it. The analyses are watched in the
 * database (read-only), so nothing the test does could be what starts them.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiCall, startServe, type ServeProcess } from '../../helpers/browser.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');

interface Row {
  status: string;
  done: number;
  total: number | null;
  pid: number | null;
  stored: number;
}

describe('tessella serve after a kill -9', { ...needs(svs, vitTiny), timeout: 600_000 }, () => {
  const home = tempHome('tessella-serve-crash-');
  const dataHome = join(home.dir, 'home');
  let serve: ServeProcess | undefined;
  let db: Database.Database | undefined;

  afterAll(async () => {
    db?.close();
    await serve?.stop();
    home.cleanup();
  });

  const row = (id: number): Row =>
    db!
      .prepare('SELECT status, tiles_done AS done, tiles_total AS total, pid, (SELECT COUNT(*) FROM predictions WHERE analysis_id = a.id) AS stored FROM analyses a WHERE id = ?')
      .get(id) as Row;

  async function until(what: string, pred: () => boolean): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 300_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('resumes the killed analysis and runs the queued one on restart, without any call', async () => {
    serve = await startServe(dataHome);
    const [slide] = (await apiCall(serve, 'slides.add', { paths: [svs] })).added;
    // 1 µm/px: ~1,600 tiles, enough to be killed partway; 4 µm/px: ~100, queued behind it.
    const [killed] = (await apiCall(serve, 'analysis.enqueue', { slideIds: [slide.id], model: vitTiny, params: { mpp: 1 } })).analyses;
    const [queued] = (await apiCall(serve, 'analysis.enqueue', { slideIds: [slide.id], model: vitTiny, params: { mpp: 4 } })).analyses;
    db = new Database(join(dataHome, 'tessella.db'), { readonly: true, fileMustExist: true });

    await until('tiles of the first analysis', () => row(killed.id).stored > 0);
    const first = serve.child.pid!;
    const exited = new Promise((r) => serve!.child.once('exit', r));
    serve.child.kill('SIGKILL');
    await exited;
    serve = undefined;

    const left = row(killed.id);
    expect(left).toMatchObject({ status: 'running', pid: first });
    expect(left.stored).toBeGreaterThan(0);
    expect(left.stored).toBeLessThan(left.total!);
    expect(row(queued.id).status).toBe('queued');

    serve = await startServe(dataHome);
    await until('both analyses to finish', () => !['queued', 'running', 'interrupted'].includes(row(queued.id).status) && !['queued', 'running', 'interrupted'].includes(row(killed.id).status));
    const resumed = row(killed.id);
    expect(resumed).toMatchObject({ status: 'completed', done: left.total, total: left.total, stored: left.total, pid: null });
    const after = row(queued.id);
    expect(after.status).toBe('completed');
    expect(after.stored).toBe(after.total);
    const a = await apiCall(serve, 'analysis.get', { id: killed.id });
    expect(a.summary).not.toBeNull();
  });
});

/**
 * The reports.* calls over browser mode, as the Reports page uses them: bad input and unknown ids,
 * a slide report whose analysis goes through the analysis queue, progress and change events,
 * the PDF served as a resource (with the token only), cancel, open (not in a browser) and remove.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportProgress, ReportSummary } from '../../../src/shared/contract/reports.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { reportService } from '../../../src/main/reports/service.js';
import { startServer, type RunningServer } from '../../../src/main/serve.js';
import { rawRequest } from '../../helpers/browser.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { has, needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');
let home: ReturnType<typeof tempHome>;
let ctx: AppContext;
let srv: RunningServer;
const events: { name: string; payload: unknown }[] = [];

const raw = (path: string, opts?: Parameters<typeof rawRequest>[2]) => rawRequest(srv.port, path, opts);

async function call(name: string, input: unknown): Promise<{ status: number; json: any }> {
  const r = await raw(`/api/call/${name}`, { method: 'POST', headers: { 'x-tessella-token': srv.token, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  return { status: r.status, json: JSON.parse(r.body.toString('utf8')) };
}

async function until(id: number, done: (r: ReportSummary) => boolean): Promise<ReportSummary> {
  for (;;) {
    const r = (await call('reports.get', { id })).json as ReportSummary;
    if (done(r)) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}
const finished = (r: ReportSummary) => !['queued', 'running'].includes(r.status);

describe('reports calls over browser mode', { ...needs(svs, vitTiny, has.chromium), timeout: 200_000 }, () => {
  let slideId: number;

  beforeAll(async () => {
    home = tempHome('tessella-report-contract-');
    const staticDir = join(home.dir, 'static');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    ctx = createAppContext({ host: 'browser', home: join(home.dir, 'home') });
    ctx.events.onAny((name, payload) => {
      if (name.startsWith('reports.')) events.push({ name, payload });
    });
    srv = await startServer(ctx, { staticDir });
    slideId = (await call('slides.add', { paths: [svs] })).json.added[0].id;
  });

  afterAll(async () => {
    await srv?.close();
    await reportService(ctx).dispose();
    ctx?.close();
    home?.cleanup();
  });

  it('refuses bad input and unknown ids with the contract codes', async () => {
    expect(await call('reports.run', { runIds: [] })).toMatchObject({ status: 400, json: { code: 'invalid-input' } });
    expect(await call('reports.slide', { slideId: 0, model: vitTiny })).toMatchObject({ status: 400, json: { code: 'invalid-input' } });
    expect(await call('reports.slide', { slideId: 9999, model: vitTiny })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await call('reports.slide', { slideId, model: join(home.dir, 'no-such-model') })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await call('reports.run', { runIds: [4242] })).toMatchObject({ status: 404, json: { code: 'not-found', error: expect.stringMatching(/4242/) } });
    expect(await call('reports.cohort', { slideIds: [slideId, 777], model: vitTiny })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await call('reports.get', { id: 31337 })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    // Nothing was recorded for the refused requests.
    expect((await call('reports.list', {})).json).toEqual([]);
  });

  it('makes a slide report in the background, running the analysis through the queue', async () => {
    const started = await call('reports.slide', { slideId, model: vitTiny, params: { mpp: 4 }, topTiles: 2, notes: 'queue path', csv: join(home.dir, 'tiles.csv') });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ kind: 'slide', status: expect.stringMatching(/queued|running/), slideIds: [slideId], pdfPath: null });
    const done = await until(started.json.id, finished);
    expect(done).toMatchObject({ status: 'completed', error: null, pageSize: 'A4', csvPath: join(home.dir, 'tiles.csv') });
    expect(done.pages).toBeGreaterThan(1);
    expect(done.pdfPath!.startsWith(join(home.dir, 'home', 'reports'))).toBe(true);
    expect(existsSync(done.pdfPath!)).toBe(true);

    const analyses = (await call('analysis.list', { slideId })).json;
    expect(analyses).toHaveLength(1);
    expect(analyses[0]).toMatchObject({ status: 'completed' });

    const mine = events.filter((e) => e.name === 'reports.progress' && (e.payload as ReportProgress).reportId === done.id).map((e) => e.payload as ReportProgress);
    expect(mine[0]).toMatchObject({ status: 'queued', phase: 'queued' });
    expect(mine.some((p) => p.phase === 'analysing')).toBe(true);
    expect(mine.some((p) => p.phase === 'rendering')).toBe(true);
    expect(mine.at(-1)).toMatchObject({ status: 'completed', phase: 'done' });
    expect(events.some((e) => e.name === 'reports.changed')).toBe(true);
  });

  it('serves the PDF and CSV as resources with the token, and nothing else', async () => {
    const [r] = (await call('reports.list', {})).json as ReportSummary[];
    const pdf = await raw(`/r/reports/${r!.id}.pdf`, { headers: { 'x-tessella-token': srv.token } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/^inline; filename=".+\.pdf"/);
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.body.length).toBe(r!.bytes);
    const csv = await raw(`/r/reports/${r!.id}.csv?token=${srv.token}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="tiles\.csv"/);
    expect((await raw(`/r/reports/${r!.id}.pdf`)).status).toBe(401);
    expect((await raw(`/r/reports/${r!.id}.html`, { headers: { 'x-tessella-token': srv.token } })).status).toBe(404);
    expect((await raw(`/r/reports/999.pdf`, { headers: { 'x-tessella-token': srv.token } })).status).toBe(404);
    expect((await raw(`/r/reports/${r!.id}.exe`, { headers: { 'x-tessella-token': srv.token } })).status).toBe(404);
    // Browser mode cannot open files on the user's desktop: the page downloads the resource instead.
    expect((await call('reports.open', { id: r!.id })).json).toEqual({ opened: false });
  });

  it('cancels a report that waits on an analysis', async () => {
    // A resolution with no stored analysis, so the report has to wait for one.
    const started = (await call('reports.cohort', { slideIds: [slideId], model: vitTiny, params: { mpp: 2 } })).json as ReportSummary;
    expect((await call('reports.cancel', { id: started.id })).json).toEqual({ cancelled: true });
    const r = await until(started.id, finished);
    expect(r).toMatchObject({ status: 'cancelled', pdfPath: null });
    // Cancelling the report stops the waiting; the queued analysis is the analysis queue's to cancel.
    for (const a of (await call('analysis.list', { slideId })).json) if (a.status === 'queued' || a.status === 'running') await call('analysis.cancel', { id: a.id });
  });

  it('removes a report, deleting its files only when asked', async () => {
    const list = (await call('reports.list', {})).json as ReportSummary[];
    const done = list.find((r) => r.status === 'completed')!;
    const cancelled = list.find((r) => r.status === 'cancelled')!;
    expect((await call('reports.remove', { id: cancelled.id })).json).toEqual({ removed: true });
    expect((await call('reports.remove', { id: done.id, deleteFiles: true })).json).toEqual({ removed: true });
    expect(existsSync(done.pdfPath!)).toBe(false);
    expect(existsSync(done.csvPath!)).toBe(false);
    expect((await call('reports.list', {})).json).toEqual([]);
    expect((await call('reports.get', { id: done.id })).status).toBe(404);
    expect((await call('reports.remove', { id: done.id })).json).toEqual({ removed: false });
    expect((await raw(`/r/reports/${done.id}.pdf`, { headers: { 'x-tessella-token': srv.token } })).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import sharp from 'sharp';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { startServer, type RunningServer } from '../../../src/main/serve.js';
import { rawRequest } from '../../helpers/browser.js';
import { tempHome } from '../../helpers/temp-home.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
let home: ReturnType<typeof tempHome>;
let ctx: AppContext;
let srv: RunningServer;

/** Raw HTTP so tests control the Host header and exact path bytes (fetch normalises both). */
const raw = (path: string, opts?: Parameters<typeof rawRequest>[2]) => rawRequest(srv.port, path, opts);

function call(name: string, input: unknown, token = srv.token) {
  return raw(`/api/call/${name}`, { method: 'POST', headers: { 'x-tessella-token': token, 'content-type': 'application/json' }, body: JSON.stringify(input) });
}

beforeAll(async () => {
  home = tempHome();
  const staticDir = join(home.dir, 'static');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(home.dir, 'secret.txt'), 'do not serve');
  ctx = createAppContext({ host: 'browser', home: join(home.dir, 'home') });
  srv = await startServer(ctx, { staticDir });
});

afterAll(async () => {
  await srv?.close();
  ctx?.close();
  home?.cleanup();
});

describe('browser mode server', () => {
  it('binds to 127.0.0.1 and prints a URL that carries the token', () => {
    expect(srv.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${srv.port}/\\?token=[0-9a-f]{48}$`));
    const addr = srv.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
  });

  it('refuses calls, resources and events without the token', async () => {
    expect((await call('app.info', {}, 'wrong')).status).toBe(401);
    expect((await raw('/api/call/app.info', { method: 'POST' })).status).toBe(401);
    expect((await raw('/r/thumbnail/1.jpeg')).status).toBe(401);
    expect((await raw(`/r/thumbnail/1.jpeg?token=wrong`)).status).toBe(401);
    expect((await raw('/api/events')).status).toBe(401);
  });

  it('serves the page (which holds no data) with a strict CSP and no cookie, with or without the token', async () => {
    // The renderer keeps the token in sessionStorage, so a reload after it stripped ?token= must work.
    expect((await raw('/')).status).toBe(200);
    const r = await raw(`/?token=${srv.token}`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).not.toContain(srv.token);
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect((await raw(`/?token=${srv.token}`, { method: 'HEAD' })).headers['set-cookie']).toBeUndefined();
  });

  it('authorises calls only by the token header: not a cookie, not the query', async () => {
    const json = { 'content-type': 'application/json' };
    const cookie = await raw('/api/call/app.info', { method: 'POST', headers: { ...json, cookie: `tessella_token=${srv.token}` }, body: '{}' });
    expect(cookie.status).toBe(401);
    expect((await raw(`/api/call/app.info?token=${srv.token}`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    // A script (no Origin) with the header is served.
    const info = await raw('/api/call/app.info', { method: 'POST', headers: { ...json, 'x-tessella-token': srv.token }, body: '{}' });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body.toString()).host).toBe('browser');
    // So is the page itself, from either loopback name.
    for (const origin of [`http://127.0.0.1:${srv.port}`, `http://localhost:${srv.port}`]) {
      expect((await raw('/api/call/app.info', { method: 'POST', headers: { ...json, origin, 'x-tessella-token': srv.token }, body: '{}' })).status, origin).toBe(200);
    }
  });

  it('refuses another origin, even another 127.0.0.1 port, even with the right token', async () => {
    const auth = { 'content-type': 'application/json', 'x-tessella-token': srv.token };
    for (const origin of [`http://127.0.0.1:${srv.port + 1}`, `http://localhost:${srv.port + 1}`, 'http://evil.example', 'null', `https://127.0.0.1:${srv.port}`]) {
      const r = await raw('/api/call/settings.set', { method: 'POST', headers: { ...auth, origin }, body: JSON.stringify({ tileQuality: 10 }) });
      expect(r.status, origin).toBe(403);
      expect((await raw(`/r/thumbnail/1.jpeg?token=${srv.token}`, { headers: { origin } })).status, origin).toBe(403);
      expect((await raw(`/api/events?token=${srv.token}`, { headers: { origin } })).status, origin).toBe(403);
    }
    // A browser that marks the call cross-site is refused even without an Origin.
    expect((await raw('/api/call/app.info', { method: 'POST', headers: { ...auth, 'sec-fetch-site': 'same-site' }, body: '{}' })).status).toBe(403);
    expect(JSON.parse((await call('settings.get', {})).body.toString()).tileQuality).not.toBe(10);
  });

  it('accepts only application/json call bodies', async () => {
    const auth = { 'x-tessella-token': srv.token };
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await raw('/api/call/settings.set', { method: 'POST', headers: { ...auth, 'content-type': type }, body: JSON.stringify({ tileQuality: 11 }) });
      expect(r.status, type).toBe(415);
    }
    expect((await raw('/api/call/app.info', { method: 'POST', headers: auth, body: '{}' })).status).toBe(415);
    expect((await raw('/api/call/app.info', { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, body: '{}' })).status).toBe(200);
    expect(JSON.parse((await call('settings.get', {})).body.toString()).tileQuality).not.toBe(11);
  });

  it('answers a malformed URL escape with 400, not 500', async () => {
    for (const p of ['/%E0%A4%A', `/r/tiles/%E0%A4%A?token=${srv.token}`, '/assets/%FF.js']) {
      const r = await raw(p);
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body.toString())).toMatchObject({ code: 'invalid-input' });
    }
  });

  it('streams events with the token in the query (EventSource cannot set a header)', async () => {
    const r = await new Promise<{ status: number; first: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: `/api/events?token=${srv.token}`, headers: { host: `127.0.0.1:${srv.port}` } }, (res) => {
        res.once('data', (c: Buffer) => {
          resolve({ status: res.statusCode!, first: c.toString() });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(r).toMatchObject({ status: 200, first: expect.stringContaining(': connected') });
    expect((await raw('/api/events')).status).toBe(401);
  });

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const r = await raw('/api/call/app.info', { method: 'POST', headers: { host: 'evil.example:80', 'x-tessella-token': srv.token }, body: '{}' });
    expect(r.status).toBe(403);
  });

  it('validates input against the contract schema', async () => {
    const bad = await call('slides.get', { id: 'one' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ code: 'invalid-input' });
    expect((await call('slides.add', { paths: [] })).status).toBe(400);
    expect((await call('no.such', {})).status).toBe(404);
    const notJson = await raw('/api/call/app.info', { method: 'POST', headers: { 'x-tessella-token': srv.token, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('never serves files outside the UI folder or registered slides', async () => {
    const auth = { 'x-tessella-token': srv.token };
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/r/../secret.txt', '/r/tiles/1/../../../secret.txt', '/r/tiles/1/0/0_0.jpeg/../../x', '/r/associated/1/..%2f..%2fsecret.jpeg', '/r/tiles/999/0/0_0.jpeg']) {
      const r = await raw(p, { headers: auth });
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.body.toString()).not.toContain('do not serve');
    }
    expect((await raw('/assets/app.js')).status).toBe(200);
  });

  it('adding a text file named .svs gives a clear error and no library entry', async () => {
    const fake = join(home.dir, 'fake.svs');
    writeFileSync(fake, 'this is not a slide');
    const r = JSON.parse((await call('slides.add', { paths: [fake] })).body.toString());
    expect(r.added).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].message).toMatch(/SVS/);
    expect(JSON.parse((await call('slides.list', {})).body.toString())).toEqual([]);
  });

  it('adds CMU-1-Small-Region.svs, streams the change event and serves its tiles and thumbnail', needs(svs), async () => {
    // The server registers a client before it answers, so once the response is here no event is missed.
    let connected!: () => void;
    const subscribed = new Promise<void>((r) => (connected = r));
    const events = new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/api/events', headers: { host: `127.0.0.1:${srv.port}`, 'x-tessella-token': srv.token } }, (res) => {
        connected();
        res.on('data', (c: Buffer) => {
          if (c.toString().includes('event: slides.changed')) {
            resolve('slides.changed');
            req.destroy();
          }
        });
      });
      req.end();
    });
    await subscribed;
    const added = JSON.parse((await call('slides.add', { paths: [svs!] })).body.toString());
    expect(added.errors).toEqual([]);
    expect(added.added).toHaveLength(1);
    const slide = added.added[0];
    expect(slide).toMatchObject({ name: 'CMU-1-Small-Region.svs', width: 2220, height: 2967, levelCount: 1 });
    expect(await events).toBe('slides.changed');

    const again = JSON.parse((await call('slides.add', { paths: [svs!] })).body.toString());
    expect(again.added).toHaveLength(0);
    expect(again.existing).toHaveLength(1);

    const detail = JSON.parse((await call('slides.get', { id: slide.id })).body.toString());
    expect(detail.deepZoom).toMatchObject({ width: 2220, height: 2967, tileSize: 254, overlap: 1, levelCount: 13 });
    expect(Object.keys(detail.properties).length).toBeGreaterThan(10);

    const auth = { 'x-tessella-token': srv.token };
    const tile = await raw(`/r/tiles/${slide.id}/12/4_6.jpeg`, { headers: auth });
    expect(tile.status).toBe(200);
    expect(tile.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(tile.body).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    const stats = await sharp(tile.body).stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(5); // real tissue, not a blank tile

    expect((await raw(`/r/tiles/${slide.id}/12/99_99.jpeg`, { headers: auth })).status).toBe(400);
    const thumb = await raw(`/r/thumbnail/${slide.id}.jpeg`, { headers: auth });
    expect(thumb.status).toBe(200);
    expect(Math.max((await sharp(thumb.body).metadata()).width!, (await sharp(thumb.body).metadata()).height!)).toBeLessThanOrEqual(512);

    // The label image can carry a patient's name: hidden by default, served once allowed.
    if (detail.associatedImages.includes('label')) {
      expect((await raw(`/r/associated/${slide.id}/label.jpeg`, { headers: auth })).status).toBe(400);
      await call('settings.set', { hideLabelImages: false });
      expect((await raw(`/r/associated/${slide.id}/label.jpeg`, { headers: auth })).status).toBe(200);
    }
    expect((await raw(`/r/associated/${slide.id}/thumbnail.jpeg`, { headers: auth })).status).toBe(200);

    const removed = JSON.parse((await call('slides.remove', { id: slide.id })).body.toString());
    expect(removed).toEqual({ removed: true });
    expect((await raw(`/r/tiles/${slide.id}/12/4_6.jpeg`, { headers: auth })).status).toBe(404);
  });
});

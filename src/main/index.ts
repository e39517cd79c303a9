/**
 * Electron entry: one window, the contract over IPC, and the `tessella://` protocol for tiles
 * and images. Everything else lives in plain-Node services shared with browser mode and the CLI.
 */
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppContext } from './app-context.js';
import { dispatch, toApiError } from './dispatch.js';
import { createHandlers } from './handlers.js';
import { defaultHome } from './home.js';
import { contentDisposition, decodePath, loadResource } from './resources.js';
import { startServices, stopServices } from './services.js';
import { CSP } from './security.js';
import { electronNativeBinding } from './electron/native-binding.js';
import { openPath } from './electron/open-file.js';
import { electronPdfPrinter } from './electron/print-to-pdf.js';
import { IPC_CALL, IPC_EVENT } from '../shared/ipc.js';

const here = dirname(fileURLToPath(import.meta.url));

protocol.registerSchemesAsPrivileged([{ scheme: 'tessella', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

// The desktop app, browser mode and CLI share one data home; Electron's own files go there too.
app.setPath('userData', defaultHome());

async function boot(): Promise<void> {
  await app.whenReady();
  const ctx = createAppContext({ host: 'electron', nativeBinding: electronNativeBinding(), pdfPrinter: electronPdfPrinter(), openPath });
  const handlers = createHandlers(ctx);
  // Takes over what a crashed session left (interrupted analyses resume) and runs the analysis queue.
  startServices(ctx);

  ipcMain.handle(IPC_CALL, async (_e, name: string, input: unknown) => {
    try {
      return { ok: true, value: await dispatch(handlers, name, input) };
    } catch (e) {
      return { ok: false, error: toApiError(e).toBody() };
    }
  });

  protocol.handle('tessella', async (request) => {
    const url = new URL(request.url);
    // Only tessella://r/<resource path>; anything else is refused rather than mapped to files.
    if (url.host !== 'r') return new Response('not found', { status: 404 });
    try {
      const r = await loadResource(ctx, decodePath(url.pathname.slice(1)));
      // The app's page is a file:// origin: without this its canvases could not read tile pixels
      // (histograms, the mixing of channel tiles). Only the app's own page loads in this session.
      const cors = { 'access-control-allow-origin': '*' };
      return new Response(new Uint8Array(r.body), { headers: { 'content-type': r.contentType, ...cors, ...(r.download ? { 'content-disposition': contentDisposition(r.download) } : {}) } });
    } catch (e) {
      const err = toApiError(e);
      return new Response(err.message, { status: err.status });
    }
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // No permissions (camera, notifications, ...) are ever needed.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Tessella',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // Links never navigate the app window; http(s) ones open in the user's browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());

  const unsubscribe = ctx.events.onAny((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, name, payload);
  });

  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(join(here, '../renderer/index.html'));

  app.on('window-all-closed', () => {
    unsubscribe();
    // The running analysis ends interrupted, so the next start resumes it.
    void stopServices(ctx)
      .catch((e) => console.error(`Tessella: stopping services: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        ctx.close();
        app.quit();
      });
  });
}

boot().catch((e) => {
  console.error(`Tessella could not start: ${e instanceof Error ? e.message : String(e)}`);
  app.exit(1);
});

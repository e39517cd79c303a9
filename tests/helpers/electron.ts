/**
 * The desktop app under test: electron-vite's build of this checkout started with the Electron
 * binary through playwright-core's `_electron`, on a temporary data home. Only used where
 * has.electron is met (tests/helpers/needs.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { electronBinary } from './needs.js';
import { repoRoot } from './shared-data.js';
import { shots } from './browser.js';

export interface DesktopSession {
  app: ElectronApplication;
  page: Page;
}

/** Builds the app when out/ is missing or older than package.json (postinstall normally built it). */
function ensureBuilt(): void {
  const main = join(repoRoot, 'out', 'main', 'index.js');
  if (existsSync(main) && existsSync(join(repoRoot, 'out', 'preload', 'index.cjs')) && statSync(main).mtimeMs >= statSync(join(repoRoot, 'package.json')).mtimeMs) return;
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`electron-vite build failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
}

/** Starts the desktop app on `<homeDir>/home` and waits for its window. */
export async function startDesktop(homeDir: string): Promise<DesktopSession> {
  mkdirSync(shots, { recursive: true });
  ensureBuilt();
  const executablePath = electronBinary();
  if (!executablePath) throw new Error('no Electron binary (has.electron should have skipped this suite)');
  const env: Record<string, string> = { ...(process.env as Record<string, string>), TESSELLA_HOME: join(homeDir, 'home') };
  // The built renderer, never a dev server left in the environment.
  delete env['ELECTRON_RENDERER_URL'];
  delete env['ELECTRON_RUN_AS_NODE'];
  const app = await _electron.launch({ executablePath, args: [repoRoot], cwd: repoRoot, env, timeout: 120_000 });
  try {
    const page = await app.firstWindow({ timeout: 120_000 });
    page.setDefaultTimeout(90_000);
    page.setDefaultNavigationTimeout(90_000);
    await page.waitForLoadState('domcontentloaded');
    return { app, page };
  } catch (e) {
    await app.close().catch(() => {});
    throw e;
  }
}

/** A contract call through the preload bridge, as the renderer makes it (IPC to the main process). */
export function desktopCall<T = any>(page: Page, name: string, input: unknown): Promise<T> {
  return page.evaluate(([n, i]) => (window as any).tessella.call(n, i), [name, input] as const) as Promise<T>;
}

/**
 * The one data home shared by the desktop app, browser mode and CLI:
 * TESSELLA_HOME, else the platform's app-data folder (the same folder Electron's userData uses).
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Tessella';

export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.TESSELLA_HOME) return env.TESSELLA_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export interface HomeLayout {
  root: string;
  db: string;
  thumbnails: string;
  tileCache: string;
  /** Converted copies of large plain images and other reader caches. */
  slideCache: string;
  models: string;
  runs: string;
  reports: string;
}

export function homeLayout(root: string): HomeLayout {
  return {
    root,
    db: join(root, 'tessella.db'),
    thumbnails: join(root, 'thumbnails'),
    tileCache: join(root, 'tile-cache'),
    slideCache: join(root, 'slide-cache'),
    models: join(root, 'models'),
    runs: join(root, 'runs'),
    reports: join(root, 'reports'),
  };
}

export function ensureHome(root: string): HomeLayout {
  const layout = homeLayout(root);
  for (const dir of [layout.root, layout.thumbnails, layout.tileCache, layout.slideCache, layout.models, layout.runs, layout.reports]) {
    mkdirSync(dir, { recursive: true });
  }
  return layout;
}

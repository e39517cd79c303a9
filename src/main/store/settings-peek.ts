/**
 * The user settings read without opening the data home for writing: for commands that otherwise
 * touch no database (`tessella predict`, `tessella engine`) yet honour a setting such as the
 * engine.provider pin. A home with no database yet, or one that cannot be read, has the defaults.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Settings } from '../../shared/api.js';
import { homeLayout } from '../home.js';
import { DEFAULT_SETTINGS, settingsFromRows } from './settings-repo.js';

export function peekSettings(homeRoot: string): Settings {
  const file = homeLayout(homeRoot).db;
  if (!existsSync(file)) return DEFAULT_SETTINGS;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return settingsFromRows(db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]);
  } catch {
    return DEFAULT_SETTINGS;
  } finally {
    db?.close();
  }
}

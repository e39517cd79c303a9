/** User settings as key/value rows, validated against the contract's Settings schema on the way out. */
import { Settings, type Settings as SettingsT } from '../../shared/api.js';
import type { Db } from './db.js';

export const DEFAULT_SETTINGS: SettingsT = { theme: 'system', hideLabelImages: true, tileQuality: 85 };

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  get(): SettingsT {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored: Record<string, unknown> = {};
    for (const r of rows) stored[r.key] = JSON.parse(r.value);
    // A value a newer or older version wrote that no longer validates falls back to the default.
    const merged = { ...DEFAULT_SETTINGS, ...stored };
    const parsed = Settings.safeParse(merged);
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  set(patch: Partial<SettingsT>): SettingsT {
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) put.run(k, JSON.stringify(v));
    })();
    return this.get();
  }
}

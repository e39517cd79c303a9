/** User settings as key/value rows, validated against the contract's Settings schema on the way out. */
import { Settings, type Settings as SettingsT, type SettingsPatch } from '../../shared/api.js';
import type { Db } from './db.js';

export const DEFAULT_SETTINGS: SettingsT = { theme: 'system', hideLabelImages: true, tileQuality: 85, engine: { provider: 'auto', precision: 'fp32' } };

/** Stored rows over the defaults; a value a newer or older version wrote that no longer validates falls back to its default. */
export function settingsFromRows(rows: { key: string; value: string }[]): SettingsT {
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const r of rows) {
    if (!(r.key in DEFAULT_SETTINGS)) continue;
    try {
      const value: unknown = JSON.parse(r.value);
      const candidate = { ...merged, [r.key]: value };
      if (Settings.safeParse(candidate).success) merged[r.key] = value;
    } catch {
      // an unreadable row keeps the default
    }
  }
  return Settings.parse(merged);
}

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  get(): SettingsT {
    return settingsFromRows(this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]);
  }

  /** `patch` as validated by the contract's SettingsPatch: `engine` may carry only some of its fields. */
  set(patch: SettingsPatch): SettingsT {
    const current = this.get();
    const full = Settings.parse({ ...current, ...patch, engine: { ...current.engine, ...patch.engine } });
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const k of Object.keys(patch) as (keyof SettingsT)[]) if (patch[k] !== undefined) put.run(k, JSON.stringify(full[k]));
    })();
    return this.get();
  }
}

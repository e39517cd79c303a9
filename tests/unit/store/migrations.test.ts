import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDb, migrate, schemaVersion } from '../../../src/main/store/db.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { SettingsRepo, DEFAULT_SETTINGS } from '../../../src/main/store/settings-repo.js';
import { tempHome } from '../../helpers/temp-home.js';

const homes: { cleanup(): void }[] = [];
afterEach(() => homes.splice(0).forEach((h) => h.cleanup()));

function freshDbPath(): string {
  const h = tempHome();
  homes.push(h);
  return join(h.dir, 'tessella.db');
}

describe('database and migrations', () => {
  it('creates every table of the planned schema, in WAL mode with foreign keys on', () => {
    const db = openDb(freshDbPath());
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['slides', 'datasets', 'images', 'labels', 'annotations', 'annotation_classes', 'models', 'runs', 'run_metrics', 'analyses', 'predictions', 'reports', 'settings']) {
      expect(tables).toContain(t);
    }
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    db.close();
  });

  it('is idempotent on reopen and keeps data', () => {
    const file = freshDbPath();
    const db = openDb(file);
    new SettingsRepo(db).set({ tileQuality: 70 });
    db.close();
    const again = openDb(file);
    expect(new SettingsRepo(again).get().tileQuality).toBe(70);
    again.close();
  });

  it('applies a later migration on top and rolls back a failing one whole', () => {
    const file = freshDbPath();
    openDb(file).close();
    const db = openDb(file);
    const extra = [...migrations, { version: 99, name: 'broken', up: 'CREATE TABLE t99 (x INTEGER); INSERT INTO no_such_table VALUES (1);' }];
    expect(() => migrate(db, extra)).toThrow(/no_such_table/);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name='t99'").get()).toEqual({ n: 0 });
    migrate(db, [...migrations, { version: 99, name: 'ok', up: 'CREATE TABLE t99 (x INTEGER);' }]);
    expect(schemaVersion(db)).toBe(99);
    db.close();
  });

  it('refuses a database from a newer Tessella rather than guessing', () => {
    const file = freshDbPath();
    const db = openDb(file);
    db.pragma('user_version = 1000');
    db.close();
    expect(() => openDb(file)).toThrow(/newer than this Tessella/);
  });

  it('enforces foreign keys: deleting a slide removes its annotations', () => {
    const db = openDb(freshDbPath());
    db.prepare(
      `INSERT INTO slides (id, path, name, content_hash, file_size, format, reader, width, height, levels_json, properties_json, associated_json)
       VALUES (1, '/x.svs', 'x.svs', 'h', 1, 'aperio', 'openslide', 10, 10, '[]', '{}', '[]')`,
    ).run();
    db.prepare(`INSERT INTO annotations (slide_id, uuid, geometry_json, min_x, min_y, max_x, max_y) VALUES (1, 'a', '{}', 0, 0, 1, 1)`).run();
    expect(() => db.prepare(`INSERT INTO annotations (slide_id, uuid, geometry_json, min_x, min_y, max_x, max_y) VALUES (2, 'b', '{}', 0, 0, 1, 1)`).run()).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM slides WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM annotations').get()).toEqual({ n: 0 });
    db.close();
  });

  it('falls back to defaults for settings that no longer validate', () => {
    const db = openDb(freshDbPath());
    db.prepare("INSERT INTO settings (key, value) VALUES ('tileQuality', '\"high\"')").run();
    expect(new SettingsRepo(db).get()).toEqual(DEFAULT_SETTINGS);
    db.close();
  });
});

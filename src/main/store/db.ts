/**
 * Opens tessella.db: WAL (the app, browser mode and CLI may share it), foreign keys on, and the
 * numbered migrations applied in one transaction each, so a failed one leaves the previous schema.
 */
import Database from 'better-sqlite3';
import { migrations as allMigrations } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenDbOptions {
  /** An Electron-ABI build of better-sqlite3, when running inside Electron. */
  nativeBinding?: string;
  migrations?: typeof allMigrations;
}

export function openDb(file: string, opts: OpenDbOptions = {}): Db {
  const db = new Database(file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db, opts.migrations ?? allMigrations);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: typeof allMigrations): void {
  const current = schemaVersion(db);
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  if (current > latest) {
    throw new Error(`tessella.db has schema version ${current}, newer than this Tessella knows (${latest}); update Tessella`);
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

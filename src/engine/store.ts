import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations.js';

export type DB = Database.Database;
type Statement = Database.Statement;

/**
 * The daemon's state: one SQLite file, `<data-root>/berth.db`, in WAL mode so that a
 * `kill -9` at any moment loses at most the transaction in flight. Every multi-step
 * change is one transaction (`tx`); the files a row points at are created before
 * the row and removed after it, so a crash leaves only unreferenced files, which
 * the owning area sweeps at start-up.
 */
export class Store {
  readonly db: DB;

  private constructor(db: DB) {
    this.db = db;
  }

  static open(dataRoot: string): Store {
    mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
    const db = new Database(join(dataRoot, 'berth.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const store = new Store(db);
    store.migrate();
    return store;
  }

  /** An in-memory store for unit tests. */
  static memory(): Store {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const store = new Store(db);
    store.migrate();
    return store;
  }

  private readonly statements = new Map<string, Statement>();

  /**
   * A prepared statement for `sql`, compiled once and reused: compiling costs far more
   * than running a small query, and the API's hot paths (image list, inspect) run the
   * same few queries thousands of times a second. Callers must not change a cached
   * statement's mode (`pluck`, `raw`, `expand`); prepare their own with `db.prepare`.
   */
  prepare(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Run `fn` in one transaction; it commits when `fn` returns and rolls back if it throws. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Apply the numbered migrations this database has not seen, each in its own transaction. */
  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (const m of migrations) {
      if (m.version <= current) continue;
      this.tx(() => {
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      });
    }
  }
}

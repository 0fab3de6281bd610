/**
 * The SQLite connection the store talks to, whichever driver opened it: Node's built-in `node:sqlite`
 * where the Node version has it without a flag (22.13+, 24), else the `better-sqlite3` addon (Node 20).
 * The seam is the part of better-sqlite3's API the store uses, so better-sqlite3 fits it as it is and
 * `node:sqlite` gets a small adapter (`driver-node.ts`). Errors carry better-sqlite3's vocabulary on
 * both: `code` is `SQLITE_BUSY`, `SQLITE_CONSTRAINT_...`, and so on.
 */

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement: positional parameters, or one object of named ones (`@name` in the SQL). */
export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** `fn` in a transaction (`BEGIN`); `immediate` takes the write lock first (`BEGIN IMMEDIATE`). */
export interface Transaction<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
}

export interface Database {
  /** False once closed. */
  readonly open: boolean;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  /** `PRAGMA <source>`: the rows, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
  close(): void;
}

export type DriverName = 'node:sqlite' | 'better-sqlite3';

/** Thrown when the database file cannot be opened or is newer than this version of flowtel. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** What to do on a Node without `node:sqlite` and without better-sqlite3 installed. */
export const NO_DRIVER =
  'flowtel keeps alert state in SQLite, which this Node.js lacks: use Node.js >= 22.13 (SQLite built in), or run `npm install better-sqlite3`';

/**
 * Opens `path` with the first driver this Node has: `node:sqlite`, else better-sqlite3. Both are
 * loaded here, on first use, never at module top level, so a user who only wraps functions loads neither.
 */
export async function openDriver(path: string, prefer?: DriverName): Promise<Database> {
  if (prefer !== 'better-sqlite3') {
    const { openNodeSqlite } = await import('./driver-node.ts');
    const db = await openNodeSqlite(path);
    if (db) return db;
    if (prefer === 'node:sqlite') throw new StoreError('node:sqlite is not available in this Node.js');
  }
  const { openBetterSqlite3 } = await import('./driver-better.ts');
  return openBetterSqlite3(path);
}

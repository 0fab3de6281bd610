import type { Database, RunResult, Statement, Transaction } from './driver.ts';
import { sqliteCodeName } from './sqlite-codes.ts';

/** The part of `node:sqlite` used here (its types are not in @types/node 20). */
interface NodeSqlite {
  DatabaseSync: new (path: string) => DatabaseSync;
}
interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
}
interface StatementSync {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  setAllowUnknownNamedParameters?(allow: boolean): void;
}

/** A variable, so that TypeScript does not look for types of a module @types/node 20 lacks. */
const NODE_SQLITE = 'node:sqlite';

/** `path` opened with `node:sqlite`, or undefined when this Node has no `node:sqlite` without a flag. */
export async function openNodeSqlite(path: string): Promise<Database | undefined> {
  const sqlite = await loadNodeSqlite();
  return sqlite === undefined
    ? undefined
    : new NodeSqliteDatabase(translated(() => new sqlite.DatabaseSync(path)));
}

/**
 * Node 22 prints "SQLite is an experimental feature" when the module loads; on a CLI run that line
 * would be noise the user cannot act on, so that one warning (and only it) is held back.
 */
async function loadNodeSqlite(): Promise<NodeSqlite | undefined> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('SQLite is an experimental feature')) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return (await import(NODE_SQLITE)) as NodeSqlite;
  } catch {
    return undefined; // Node 20, or 22.5–22.12 without --experimental-sqlite
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * better-sqlite3's behaviour on `node:sqlite`: `pragma()`, `transaction()` (nested ones as
 * savepoints), a missing named parameter throws instead of binding NULL, and errors carry
 * `code: 'SQLITE_BUSY'` and the like instead of `ERR_SQLITE_ERROR` with a number.
 */
class NodeSqliteDatabase implements Database {
  #open = true;
  #depth = 0;

  constructor(private readonly db: DatabaseSync) {}

  get open(): boolean {
    return this.#open;
  }

  prepare(sql: string): Statement {
    return new NodeSqliteStatement(
      translated(() => this.db.prepare(sql)),
      namedParameters(sql),
    );
  }

  exec(sql: string): void {
    translated(() => this.db.exec(sql));
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = this.prepare(`PRAGMA ${source}`).all() as Record<string, unknown>[];
    if (!options.simple) return rows;
    const first = rows[0];
    return first === undefined ? undefined : Object.values(first)[0];
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F> {
    const inTransaction =
      (begin: string) =>
      (...args: Parameters<F>): ReturnType<F> => {
        const savepoint = this.#depth > 0 ? `flowtel_${this.#depth}` : undefined;
        this.exec(savepoint ? `SAVEPOINT ${savepoint}` : begin);
        this.#depth++;
        try {
          const result = fn(...args) as ReturnType<F>;
          this.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
          return result;
        } catch (error) {
          this.#rollback(savepoint);
          throw error;
        } finally {
          this.#depth--;
        }
      };
    return Object.assign(inTransaction('BEGIN'), { immediate: inTransaction('BEGIN IMMEDIATE') });
  }

  close(): void {
    if (!this.#open) return;
    this.db.close();
    this.#open = false;
  }

  /** After a failed body or a failed COMMIT; SQLite may already have rolled back on its own. */
  #rollback(savepoint: string | undefined): void {
    try {
      this.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
    } catch {
      // no transaction left to roll back: the error that got us here is the one to report
    }
  }
}

class NodeSqliteStatement implements Statement {
  constructor(
    private readonly statement: StatementSync,
    private readonly names: readonly string[],
  ) {
    // better-sqlite3 ignores named parameters the SQL does not use; so do we.
    statement.setAllowUnknownNamedParameters?.(true);
  }

  run(...params: unknown[]): RunResult {
    this.#check(params);
    const { changes, lastInsertRowid } = translated(() => this.statement.run(...params));
    return { changes: Number(changes), lastInsertRowid };
  }

  get(...params: unknown[]): unknown {
    this.#check(params);
    return translated(() => this.statement.get(...params));
  }

  all(...params: unknown[]): unknown[] {
    this.#check(params);
    return translated(() => this.statement.all(...params));
  }

  /** `node:sqlite` binds NULL for a named parameter that is not given: a typo would store NULLs. */
  #check(params: readonly unknown[]): void {
    const named = params[0];
    if (this.names.length === 0 || typeof named !== 'object' || named === null || ArrayBuffer.isView(named))
      return;
    for (const name of this.names) {
      if ((named as Record<string, unknown>)[name] === undefined) {
        throw new RangeError(`Missing named parameter "${name}"`);
      }
    }
  }
}

/** The `@name`, `:name` and `$name` parameters of `sql`, outside its string literals. */
function namedParameters(sql: string): string[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  return [...new Set([...code.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((match) => match[1]!))];
}

/** The error as better-sqlite3 would throw it: same message, `code` the SQLite result code's name. */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';

  constructor(
    message: string,
    readonly code: string,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

function translated<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    const errcode = (error as { errcode?: unknown }).errcode;
    if (typeof errcode !== 'number') throw error;
    throw new SqliteError((error as Error).message, sqliteCodeName(errcode), { cause: error });
  }
}

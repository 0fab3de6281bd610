/**
 * The embedded store: one SQLite file under FLOWTEL_HOME shared by alert state and the outbox.
 * Everything here loads better-sqlite3 lazily (inside `openDatabase`).
 */
import type { AlertStateStore } from '../rules/state-store.ts';
import { SqliteAlertStateStore } from './alert-state.ts';
import { type OpenDatabaseOptions, openDatabase } from './sqlite.ts';

export { SqliteAlertStateStore } from './alert-state.ts';
export { databasePath, flowtelHome } from './home.ts';
export { type Database, migrate, type OpenDatabaseOptions, openDatabase, StoreError } from './sqlite.ts';

/** An alert state store over `flowtel.db`; `close()` closes the file. */
export async function openAlertStateStore(
  options: OpenDatabaseOptions = {},
): Promise<AlertStateStore & { close(): void }> {
  const db = await openDatabase(options);
  const store = new SqliteAlertStateStore(db);
  return Object.assign(store, { close: () => db.close() });
}

/**
 * The embedded store: one SQLite file under FLOWTEL_HOME shared by alert state and the outbox.
 * Everything here loads better-sqlite3 lazily (inside `openDatabase`).
 */
import type { AlertStateStore } from '../alerts/state.ts';
import { SqliteAlertStateStore, type SqliteAlertStateStoreOptions } from './alert-state.ts';
import { type OpenDatabaseOptions, openDatabase } from './sqlite.ts';

export { SqliteAlertStateStore, type SqliteAlertStateStoreOptions } from './alert-state.ts';
export { databasePath, flowtelHome } from './home.ts';
export { type Database, migrate, type OpenDatabaseOptions, openDatabase, StoreError } from './sqlite.ts';

/**
 * An alert state store over `flowtel.db`. `close()` makes a last attempt at writes that failed (a
 * locked file), reports what it could not save, and closes the file.
 */
export async function openAlertStateStore(
  options: OpenDatabaseOptions & SqliteAlertStateStoreOptions = {},
): Promise<AlertStateStore & { close(): void }> {
  const db = await openDatabase(options);
  const store = new SqliteAlertStateStore(db, options.log === undefined ? {} : { log: options.log });
  return Object.assign(store, {
    close: () => {
      if (!store.flush()) {
        store.log(
          `flowtel: ${store.unsaved} alert state change(s) could not be saved in flowtel.db: the next run may announce those alerts again, or miss their resolution`,
        );
      }
      db.close();
    },
  });
}

import type BetterSqlite3 from 'better-sqlite3';
import { type Database, NO_DRIVER, StoreError } from './driver.ts';

/**
 * `path` opened with better-sqlite3, the driver for a Node.js without `node:sqlite`. It fits the
 * `Database` seam as it is. Its failures to load become one-line `StoreError`s that say what to run:
 * the addon not installed (it is an optional peer dependency), or built for another Node.js version.
 */
export async function openBetterSqlite3(path: string): Promise<Database> {
  let Sqlite: typeof BetterSqlite3;
  try {
    ({ default: Sqlite } = await import('better-sqlite3'));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new StoreError(NO_DRIVER, { cause: error });
  }
  try {
    // The cast is only for `transaction`: its types spell the arguments differently (`ArgumentTypes<F>`).
    return new Sqlite(path) as unknown as Database;
  } catch (error) {
    throw addonMismatch(error) ?? error;
  }
}

/**
 * The addon loads on the first open. Built under another Node.js (after switching versions), it fails
 * with a paragraph whose advice is on its last lines; callers that show one line would lose it.
 */
export function addonMismatch(error: unknown): StoreError | undefined {
  const message = error instanceof Error ? error.message : '';
  // The first load names both versions; a later one in the same process says "did not self-register".
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message);
  if (!versions && !message.includes('did not self-register')) return undefined;
  const built = versions
    ? ` (module version ${versions[1]}; Node.js ${process.versions.node} needs ${versions[2]})`
    : '';
  return new StoreError(
    `better-sqlite3 was built for another Node.js${built}: run \`npm rebuild better-sqlite3\` with this Node.js, or use Node.js >= 22.13, whose built-in SQLite flowtel uses instead`,
    { cause: error },
  );
}

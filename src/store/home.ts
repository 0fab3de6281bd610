import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** `FLOWTEL_HOME`, else `~/.flowtel`: where the SQLite file and other state live. */
export function flowtelHome(env: Env = process.env): string {
  const home = env.FLOWTEL_HOME;
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.flowtel');
}

/** The one database file every flowtel process of a machine (or a shared FLOWTEL_HOME) opens. */
export function databasePath(home: string): string {
  return join(home, 'flowtel.db');
}

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where a flow could not be read from: the file (or path given), or null when it concerns them all. */
export interface CatalogProblem {
  readonly file: string | null;
  readonly message: string;
}

const FLOW_FILE = /\.(ts|mts|js|mjs)$/;
const NOT_A_FLOW_FILE = /\.(test|spec)\.[cm]?[jt]s$|\.d\.[cm]?ts$/;

/**
 * The files `--flows` names, as absolute paths in a stable order: a file as given; a folder's
 * `.ts`/`.mts`/`.js`/`.mjs` files at any depth, leaving out tests, type declarations, `node_modules`
 * and hidden folders. Reads folder listings only, never a file's code. A path that does not exist is
 * a problem, and the other paths are still listed.
 */
export function listFlowFiles(paths: readonly string[]): { files: string[]; problems: CatalogProblem[] } {
  const files = new Set<string>();
  const problems: CatalogProblem[] = [];
  for (const given of paths) {
    const path = resolve(given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      problems.push({ file: path, message: `cannot find ${given}` });
      continue;
    }
    if (isDirectory) for (const file of walk(path)) files.add(file);
    else files.add(path);
  }
  return { files: [...files].sort(), problems };
}

function* walk(dir: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* walk(path);
    } else if (entry.isFile() && FLOW_FILE.test(entry.name) && !NOT_A_FLOW_FILE.test(entry.name)) {
      yield path;
    }
  }
}

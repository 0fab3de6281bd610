import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { humanDuration } from './duration.ts';

/**
 * A user's file (a flow, a rules file) that did not finish loading: its top-level code still waited
 * when the deadline passed, or waits on nothing that can still happen. The message says which.
 */
export class LoadTimeoutError extends Error {
  override readonly name = 'LoadTimeoutError';
}

/**
 * Imports a user's file with a deadline. Without one, a top-level `await` that never settles makes Node
 * exit 13 without a word once nothing else is pending, and one awaiting a long timer hangs the command.
 * The deadline's timer does not keep the process alive; when the event loop runs dry while the import
 * still waits (`beforeExit`), nothing can ever settle it, and that is said at once.
 */
export async function importUserModule(path: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  let onIdle: (() => void) | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new LoadTimeoutError(
          `its top-level code did not finish within ${humanDuration(timeoutMs)} (an await that does not settle?); FLOWTEL_LOAD_TIMEOUT sets the limit`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    onIdle = () =>
      reject(
        new LoadTimeoutError('its top-level await never settles: it waits on nothing that can still happen'),
      );
    process.once('beforeExit', onIdle);
  });
  try {
    return (await Promise.race([import(pathToFileURL(path).href), stuck])) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
    if (onIdle) process.off('beforeExit', onIdle);
  }
}

/**
 * Why a user's file did not load, in one line. The TypeScript loader's syntax errors start with
 * "Transform failed with N errors:" and put each error (`file:line:column: ERROR: text`) on the lines
 * after it: those lines are the news.
 */
export function loadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const [first = '', ...rest] = message.split('\n');
  if (!/^Transform failed with \d+ errors?:?$/.test(first.trim())) return first;
  const errors = rest.flatMap((line) => {
    const match = /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(line.trim());
    return match
      ? [`${relative(process.cwd(), match[1]!) || match[1]}:${match[2]}:${match[3]}: ${match[4]}`]
      : [];
  });
  if (errors.length === 0) return rest.find((line) => line.trim() !== '')?.trim() ?? first;
  return errors.length === 1 ? errors[0]! : `${errors[0]} (and ${errors.length - 1} more)`;
}

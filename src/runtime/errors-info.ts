import { redactSecrets } from '../secrets.ts';
import type { ErrorInfo } from './transition.ts';

/** The class name and message of anything thrown, `Error` or not (a thrown string is a `String`). */
export function errorInfo(thrown: unknown): ErrorInfo {
  // The one place run errors become text: the secrets the process knows leave it here (see secrets.ts).
  const message = thrown instanceof Error ? thrown.message : describe(thrown);
  return { type: errorType(thrown), message: redactSecrets(message) };
}

/** `error.type` for a thrown value: the error's class name, or the JavaScript type of a non-error. */
export function errorType(thrown: unknown): string {
  if (thrown instanceof Error)
    return thrown.name && thrown.name !== 'Error' ? thrown.name : thrown.constructor.name;
  if (thrown === null) return 'null';
  if (typeof thrown === 'object') return thrown.constructor?.name ?? 'Object';
  const type = typeof thrown;
  return type.charAt(0).toUpperCase() + type.slice(1);
}

function describe(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

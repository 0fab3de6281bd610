import { processSecrets, SecretRegistry } from '../secrets.ts';

/**
 * Scrubbing of secrets from any text that may reach a log, an error or the outbox's `last_error`.
 * Libraries put URLs (with tokens or passwords) into their error messages; every failure text passes
 * through `redactor(secrets)` before it leaves an adapter.
 */

export { REDACTED } from '../secrets.ts';

/**
 * A function that replaces the given secrets in every form they can take inside a text (see
 * `secretForms`: encoded, decoded, a URL's password, path, path segments and query values), and every
 * secret the process knows besides (`processSecrets()`).
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const own = new SecretRegistry();
  for (const secret of secrets) own.add(secret);
  const process = processSecrets();
  return (text) => process.redact(own.redact(text));
}

/** Cuts a receiver's answer to something a log line can hold. */
export function shorten(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

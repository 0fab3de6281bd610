/**
 * Scrubbing of secrets from any text that may reach a log, an error or the outbox's `last_error`.
 * Libraries put URLs (with tokens or passwords) into their error messages; every failure text passes
 * through `redactor(secrets)` before it leaves an adapter.
 */

export const REDACTED = '[REDACTED]';

/** A function that replaces every occurrence of the given secrets (and their URL-encoded forms). */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
    needles.add(decodeOrSame(secret));
    addUrlParts(secret, needles);
  }
  const ordered = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of ordered) out = out.split(needle).join(REDACTED);
    return out;
  };
}

/**
 * A URL's password, path and query are secrets too when they appear alone: a receiver's error body may
 * echo `/services/T0/B0/xyz`, or only its token `xyz`. Each path segment and query value of at least
 * `MIN_PART` characters is scrubbed on its own; shorter ones (`v1`, `api`, `hooks`) hold no secret and
 * scrubbing them would garble ordinary words.
 */
const MIN_PART = 6;

function addUrlParts(secret: string, into: Set<string>): void {
  let url: URL;
  try {
    url = new URL(secret);
  } catch {
    return;
  }
  const parts = [
    url.password,
    ...url.pathname.split('/'),
    ...[...url.searchParams.values()],
    url.hash.slice(1),
  ];
  for (const part of parts) {
    if (part.length < MIN_PART) continue;
    into.add(part);
    into.add(decodeOrSame(part));
  }
  if (url.pathname.length > 1) into.add(url.pathname + url.search);
  into.add(url.href);
}

function decodeOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Cuts a receiver's answer to something a log line can hold. */
export function shorten(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

import { UsageError } from './usage.ts';

/**
 * Parameters from the command line: `--params-json` first, then each `--param key=value` on top. A value
 * is JSON when it parses as JSON (`n=5` is a number, `dry=true` a boolean, `ids=[1,2]` an array) and a
 * string otherwise; `a.b=1` sets a nested field. Keys in `asText` keep their value as typed (for a
 * schema that wants the string `20261124`, not the number).
 */
export function parseParams(
  pairs: readonly string[],
  json: string | undefined,
  asText: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const params: Record<string, unknown> = json === undefined ? {} : parseJsonObject(json);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--param must look like key=value, got '${pair}'`);
    const key = pair.slice(0, at);
    const raw = pair.slice(at + 1);
    setPath(params, key.split('.'), asText.has(key) ? raw : parseValue(raw));
  }
  return params;
}

/** The `--param` keys whose value was read as JSON other than a string (`5`, `true`, `null`). */
export function nonTextParams(pairs: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at > 0 && typeof parseValue(pair.slice(at + 1)) !== 'string') keys.add(pair.slice(0, at));
  }
  return keys;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseJsonObject(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--params-json is not valid JSON${jsonErrorPlace(error, json)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--params-json must be a JSON object, e.g. \'{"day":"2026-11-24"}\'');
  }
  return value as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const [index, key] of path.entries()) {
    if (key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new UsageError(`--param key '${path.join('.')}' is not a valid parameter name`);
    }
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
}

/**
 * Where the JSON broke, as a character position: Node's own message quotes the text around it, which may
 * be a secret (`{"apiToken":"…`), so it is not repeated.
 */
function jsonErrorPlace(error: unknown, json: string): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return ' (check its quotes, commas and braces)';
  const at = Number(position);
  return at >= json.length
    ? ` (it ends early, after ${json.length} characters)`
    : ` (at character ${at + 1})`;
}

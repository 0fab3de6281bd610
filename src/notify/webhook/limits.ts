import { cutText } from '../cut.ts';

/**
 * A webhook receiver is a program with a request size limit of its own (often 1 to 10 MB, then 413):
 * every string of the body is cut to `TEXT` characters, so one 8 MB error message makes a body of a few
 * kilobytes, not 16 MB (JSON escaping can double it). Ids, names and URLs are far below the limit.
 */
export const WebhookLimits = {
  /** Characters of any one string in the body (a summary, an error message, a label value). */
  TEXT: 10_000,
} as const;

/** A copy of a JSON value with every string (keys included) cut to `max` characters. */
export function cutStrings<T>(value: T, max: number = WebhookLimits.TEXT): T {
  return cutValue(value, max) as T;
}

function cutValue(value: unknown, max: number): unknown {
  if (typeof value === 'string') return cutText(value, max);
  if (Array.isArray(value)) return value.map((item) => cutValue(item, max));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [cutText(key, max), cutValue(item, max)]),
    );
  }
  return value;
}

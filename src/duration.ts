/**
 * Durations as users write them: a number of milliseconds, or a string such as '250ms', '30s', '15m',
 * '4h', '1d' (or parts of those together: '1h30m'). One parser for the whole package (task options, flow timeouts, alert rules), so every
 * place accepts the same spellings and reports a mistake the same way.
 */

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';
/** What a user writes for a duration: milliseconds, or '250ms', '30s', '15m', '4h', '1d'. */
export type DurationInput = number | `${number}${DurationUnit}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// One or more number+unit parts: '250ms', '1.5h', '1h30m'.
const DURATION = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/** Thrown by `parseDuration` when a value is not a duration; `field` names the option that held it. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(
      `${field} must be a duration such as '250ms', '30s', '15m', '4h' or a number of milliseconds, got ${show(value)}`,
    );
  }
}

/** Milliseconds for a duration; throws `DurationError` naming `field` and the bad value otherwise. */
export function parseDuration(input: number | string, field: string): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return input;
    throw new DurationError(field, input);
  }
  if (typeof input !== 'string') throw new DurationError(field, input);
  const text = input.trim();
  if (!DURATION.test(text)) throw new DurationError(field, input);
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART))
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/** The shortest exact spelling of a duration, for messages: 90000 → '90s', 5400000 → '90m'. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A duration for people: '250ms', '4.2s', '3m 20s', '1h 5m', '2d 3h'. Rounds; not for parsing back. */
export function humanDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const parts: [number, string][] = [
    [Math.floor(ms / UNIT_MS.d), 'd'],
    [Math.floor((ms % UNIT_MS.d) / UNIT_MS.h), 'h'],
    [Math.floor((ms % UNIT_MS.h) / UNIT_MS.m), 'm'],
    [Math.floor((ms % UNIT_MS.m) / UNIT_MS.s), 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

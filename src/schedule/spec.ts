import { createRequire } from 'node:module';
import type { Cron } from 'croner';
import { toMillis } from '../clock.ts';
import { type DurationInput, formatDuration, parseDuration } from '../duration.ts';
import { OptionsError } from '../errors.ts';

/**
 * What a schedule says, as data: a cron expression in a time zone, a fixed interval from an anchor, or
 * one point in time. Checked and described here without croner, which loads only when a cron is read
 * (a user who only wraps functions never loads it); slot arithmetic is `slots.ts`.
 */
export type ScheduleSpec = CronSpec | IntervalSpec | AtSpec;

export interface CronSpec {
  /** 5 fields, or 6 with seconds first, as croner reads them. */
  readonly cron: string;
  /** IANA time zone the cron's times are read in. @default 'UTC' */
  readonly timezone?: string;
}

export interface IntervalSpec {
  readonly interval: DurationInput | string;
  /** The first slot; the others follow every `interval`. @default 1970-01-01T00:00:00Z */
  readonly anchor?: string | number | Date;
}

export interface AtSpec {
  /** One slot: a Date, epoch milliseconds, or an ISO time with a zone (`2026-12-02T10:00:00Z`). */
  readonly at: string | number | Date;
}

/** A spec with its defaults applied and its times as ISO strings: JSON-safe, and equal when it means the same. */
export type NormalSpec =
  | { readonly cron: string; readonly timezone: string }
  | { readonly interval: number; readonly anchor?: string }
  | { readonly at: string };

/** Checks a spec and applies its defaults; throws OptionsError naming `field` and the bad value. */
export function normalSpec(spec: ScheduleSpec, field = 'schedule'): NormalSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw new OptionsError(`${field} must be { cron }, { interval } or { at }, got ${show(spec)}`);
  }
  if ('cron' in spec) {
    const problem = typeof spec.cron === 'string' ? cronProblem(spec.cron) : 'not a string';
    if (problem)
      throw new OptionsError(
        `${field}.cron is not a valid cron expression (${problem}), got ${show(spec.cron)}`,
      );
    const timezone = spec.timezone ?? 'UTC';
    if (typeof timezone !== 'string' || !isTimeZone(timezone)) {
      throw new OptionsError(
        `${field}.timezone must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got ${show(timezone)}`,
      );
    }
    return { cron: spec.cron, timezone };
  }
  if ('interval' in spec) {
    const interval = durationOf(spec.interval, `${field}.interval`);
    if (interval <= 0)
      throw new OptionsError(`${field}.interval must be above 0, got ${show(spec.interval)}`);
    if (spec.anchor === undefined) return { interval };
    return { interval, anchor: isoTime(spec.anchor, `${field}.anchor`, false) };
  }
  if ('at' in spec) return { at: isoTime(spec.at, `${field}.at`, true) };
  throw new OptionsError(`${field} must have a cron, an interval or an at, got ${show(spec)}`);
}

/** A readable name for a schedule: the `schedule` label of flow-late alerts when it has no name of its own. */
export function describeSchedule(spec: NormalSpec): string {
  if ('cron' in spec) return `cron ${spec.cron} ${spec.timezone}`;
  if ('at' in spec) return `at ${spec.at}`;
  return `every ${formatDuration(spec.interval)}${spec.anchor === undefined ? '' : ` from ${spec.anchor}`}`;
}

let cronClass: typeof Cron | undefined;

/** croner's `Cron`, loaded the first time a cron is read. */
export function loadCron(): typeof Cron {
  cronClass ??= (createRequire(import.meta.url)('croner') as { Cron: typeof Cron }).Cron;
  return cronClass;
}

/** Why croner refuses a cron expression (in croner's words), or undefined when it accepts it. */
export function cronProblem(expr: string): string | undefined {
  try {
    new (loadCron())(expr, { paused: true });
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// A time written without a zone means a different instant on every machine: a one-off must say which.
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

function isoTime(value: string | number | Date, field: string, zoneRequired: boolean): string {
  const zoneMissing = zoneRequired && typeof value === 'string' && !HAS_ZONE.test(value.trim());
  let ms = Number.NaN;
  try {
    if (!zoneMissing && (typeof value === 'string' || typeof value === 'number' || value instanceof Date))
      ms = toMillis(value);
  } catch {
    // reported below
  }
  if (!Number.isFinite(ms)) {
    throw new OptionsError(
      `${field} must be a Date, epoch milliseconds or an ISO time${zoneRequired ? ' with a zone' : ''} such as '2026-12-02T10:00:00Z', got ${show(value)}`,
    );
  }
  return new Date(ms).toISOString();
}

function durationOf(value: DurationInput | string, field: string): number {
  try {
    return parseDuration(value, field);
  } catch (error) {
    throw new OptionsError((error as Error).message, { cause: error });
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

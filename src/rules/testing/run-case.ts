import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { stringify } from 'yaml';
import type { Alert, Notification } from '../../alerts/types.ts';
import { ManualClock } from '../../clock.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { ScheduleSpec } from '../../schedule/slots.ts';
import { createRulesEngine } from '../engine.ts';
import { compilePatterns } from '../glob.ts';
import { readablePath } from '../problems.ts';
import type { LoadedRules } from '../resolve.ts';
import { diffLines } from './diff.ts';
import {
  type ExpectedAlert,
  type ExpectedNotification,
  RecordInput,
  resolveTime,
  type TestCase,
} from './test-file.ts';

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** Whether `details` is a diff of notifications (else: why the case could not run). */
  readonly isDiff: boolean;
  /** Diff lines when it failed (expected `-`, actual `+`), or the reason it could not run. */
  readonly details: readonly string[];
  /** What the engine warned about, e.g. a flow-late rule with no schedule (shown when a case fails). */
  readonly warnings: readonly string[];
}

/** Runs one test case on a fresh engine and a fake clock: records and evaluation times in time order. */
export async function runCase(
  test: TestCase,
  rules: LoadedRules,
  options: { readonly dir: string; readonly start: string | undefined; readonly env: Record<string, string> },
): Promise<CaseResult> {
  const inputs: TransitionRecord[] = [];
  const problems: string[] = [];
  const recorded = test.input === undefined ? [] : await readRecorded(test.input, options.dir, problems);
  const all = [...recorded, ...test.records];
  const startRef = test.start ?? options.start ?? all.find((r) => !r.at.startsWith('+'))?.at;
  const start = startRef === undefined || startRef.startsWith('+') ? undefined : Date.parse(startRef);
  try {
    all.forEach((record, i) => {
      inputs.push(toRecord(record, i, start));
    });
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0)
    return { name: test.name, passed: false, isDiff: false, details: problems, warnings: [] };
  if (start === undefined && inputs.length === 0) {
    const details = ['give a start time or records'];
    return { name: test.name, passed: false, isDiff: false, details, warnings: [] };
  }

  const clock = new ManualClock(start ?? Date.parse(inputs[0]!.at));
  const sent = new Compared(test);
  const warnings = new Set(unscheduledRules(rules, test));
  let ids = 0;
  const engine = createRulesEngine({
    rules,
    clock,
    sink: (n) => sent.add(n),
    newId: () => `test-${++ids}`,
    onWarning: (message) =>
      void warnings.add(message.replace('with flow({ schedule })', "in the test case's schedules")),
    ...(options.env.FLOWTEL_TRACE_URL ? { traceUrlTemplate: options.env.FLOWTEL_TRACE_URL } : {}),
  });
  try {
    for (const { flow, ...spec } of test.schedules) engine.registerSchedule(flow, spec as ScheduleSpec);
    const base = clock.now();
    const steps = [
      ...inputs.map((record) => ({ at: Date.parse(record.at), record })),
      ...test.evaluate.map((ref, i) => ({ at: resolveTime(ref, base, `evaluate[${i}]`), record: undefined })),
    ].sort((a, b) => a.at - b.at); // stable: a record and an evaluation at the same time keep that order
    for (const step of steps) {
      clock.advanceTo(step.at);
      if (step.record) engine.process(step.record);
    }
    if (test.flush) engine.flush();
  } finally {
    engine.close();
  }

  const expected = test.expect.map((e) => project(normalise(e, start), undefined));
  const actual = sent.kept.map((n, i) => project(n, normaliseOrUndefined(test.expect[i], start)));
  const yaml = (value: unknown) => stringify(value, { aliasDuplicateObjects: false }).trimEnd().split('\n');
  const expectedText = yaml(expected);
  const actualText = yaml(actual);
  const passed = sent.dropped === 0 && expectedText.join('\n') === actualText.join('\n');
  const details = passed ? [] : diffLines(expectedText, actualText);
  if (sent.dropped > 0) details.push(`+ ... and ${sent.dropped} more notifications`);
  return { name: test.name, passed, isDiff: true, details, warnings: [...warnings] };
}

/** Unexpected notifications shown in a diff past the expected ones; the rest are only counted. */
const SHOWN_PAST_EXPECTED = 20;

/**
 * The notifications of the kinds a case compares, kept up to what a diff can show. A case over years
 * of simulated time can send hundreds of thousands (a repeat every 4 h); holding and printing them all
 * would cost more than running the engine, and nobody reads a diff that long.
 */
class Compared {
  readonly kept: Notification[] = [];
  dropped = 0;
  private readonly limit: number;

  constructor(private readonly test: TestCase) {
    this.limit = test.expect.length + SHOWN_PAST_EXPECTED;
  }

  add(notification: Notification): void {
    if (!this.test.kinds.includes(notification.kind)) return;
    if (this.kept.length < this.limit) this.kept.push(notification);
    else this.dropped++;
  }
}

/**
 * The records of a `--record` file, one JSON object per line (blank lines skipped). What cannot be read
 * or parsed goes to `problems`, one line each with the file and the line number.
 */
async function readRecorded(input: string, dir: string, problems: string[]): Promise<RecordInput[]> {
  let text: string;
  try {
    text = await readFile(resolvePath(dir, input), 'utf8');
  } catch (error) {
    problems.push(`${input}: cannot read: ${(error as Error).message}`);
    return [];
  }
  return text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      problems.push(`${input}: line ${i + 1}: not JSON: ${(error as Error).message}`);
      return [];
    }
    const result = RecordInput.safeParse(raw);
    if (result.success) return [result.data];
    for (const issue of result.error.issues)
      problems.push(`${input}: line ${i + 1}: ${readablePath(issue.path)}: ${issue.message}`);
    return [];
  });
}

/** flow-late rules that take the schedule from the flow when no schedule of the case is for a flow of theirs. */
function unscheduledRules(rules: LoadedRules, test: TestCase): string[] {
  return rules.rules.flatMap((rule) => {
    const when = rule.when;
    if (when.type !== 'flow-late' || when.cron !== undefined || when.interval !== undefined) return [];
    const matches = when.flow === undefined ? () => true : compilePatterns(when.flow);
    if (test.schedules.some((s) => matches(s.flow))) return [];
    return [
      `flow-late rule '${rule.name}' has no cron or interval and no flow in this case's schedules is one of its flows: it cannot fire`,
    ];
  });
}

function toRecord(input: RecordInput, index: number, start: number | undefined): TransitionRecord {
  const { at, scheduledAt, startedAt, seq, ...rest } = input;
  const iso = (ref: string, field: string) => new Date(resolveTime(ref, start, field)).toISOString();
  return {
    ...rest,
    seq: seq ?? index,
    at: iso(at, `records[${index}].at`),
    scheduledAt: scheduledAt === null ? null : iso(scheduledAt, `records[${index}].scheduledAt`),
    ...(startedAt === undefined ? {} : { startedAt: iso(startedAt, `records[${index}].startedAt`) }),
  };
}

interface Normalised {
  rule: string;
  kind: string;
  at?: string;
  channels?: string[];
  alerts?: ExpectedAlert[];
}

function normalise(e: ExpectedNotification, start: number | undefined): Normalised {
  const out: Normalised = { rule: e.rule, kind: e.kind };
  if (e.at !== undefined) out.at = new Date(resolveTime(e.at, start, 'expect.at')).toISOString();
  if (e.channels !== undefined) out.channels = e.channels;
  const shorthand: ExpectedAlert = {};
  if (e.labels !== undefined) shorthand.labels = e.labels;
  if (e.summary !== undefined) shorthand.summary = e.summary;
  if (e.alerts !== undefined) out.alerts = e.alerts.map(canonicalAlert);
  else if (Object.keys(shorthand).length > 0) out.alerts = [shorthand];
  return out;
}

/** The expected alert with its keys in the order actual alerts are shown, so equal means equal text. */
function canonicalAlert(a: ExpectedAlert): ExpectedAlert {
  const out: ExpectedAlert = {};
  if (a.status !== undefined) out.status = a.status;
  if (a.labels !== undefined) out.labels = a.labels;
  if (a.summary !== undefined) out.summary = a.summary;
  if (a.severity !== undefined) out.severity = a.severity;
  if (a.facts !== undefined) out.facts = a.facts;
  return out;
}

function normaliseOrUndefined(e: ExpectedNotification | undefined, start: number | undefined) {
  return e === undefined ? undefined : normalise(e, start);
}

/**
 * The view of a notification that is compared: what the expectation mentions (an unexpected extra
 * notification shows rule, kind, time and labels, enough to recognise it).
 */
function project(n: Normalised | Notification, shape: Normalised | undefined): Record<string, unknown> {
  if (!('alerts' in n) || !('createdAt' in n)) return { ...n } as Record<string, unknown>; // an expectation
  const out: Record<string, unknown> = { rule: n.rule, kind: n.kind };
  if (shape === undefined || shape.at !== undefined) out.at = n.createdAt;
  if (shape?.channels !== undefined) out.channels = [...n.channels];
  if (shape === undefined) out.alerts = n.alerts.map((a) => ({ labels: a.labels }));
  else if (shape.alerts !== undefined) {
    out.alerts = n.alerts.map((a, i) => projectAlert(a, shape.alerts?.[i]));
  }
  return out;
}

function projectAlert(alert: Alert, shape: ExpectedAlert | undefined): Record<string, unknown> {
  if (shape === undefined) return { labels: alert.labels, summary: alert.summary };
  const out: Record<string, unknown> = {};
  if (shape.status !== undefined) out.status = alert.status;
  if (shape.labels !== undefined) {
    out.labels = Object.fromEntries(Object.keys(shape.labels).map((k) => [k, alert.labels[k] ?? null]));
  }
  if (shape.summary !== undefined) out.summary = alert.summary;
  if (shape.severity !== undefined) out.severity = alert.severity;
  if (shape.facts !== undefined) {
    const facts = alert.facts as Record<string, unknown>;
    out.facts = Object.fromEntries(Object.keys(shape.facts).map((k) => [k, facts[k] ?? null]));
  }
  return out;
}

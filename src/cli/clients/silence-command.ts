import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.ts';
import { DurationError, parseDuration } from '../../duration.ts';
import type { SilenceView } from '../../server/views.ts';
import type { CliIo } from '../io.ts';
import { ExitCode, UsageError } from '../usage.ts';
import type { ApiClient } from './api-client.ts';
import { CLIENT_OPTIONS, parseClientArgs, runClient, writeJson } from './client-command.ts';
import { table, when } from './format.ts';

const HELP = `flowtel silence add --matcher key=value ... (--until <time> | --for <duration>) [--comment text]
flowtel silence list [--json]
flowtel silence expire <id>

A silence holds back the notifications of the alerts it matches (their state is kept) until it ends.
Matchers: rule=<name or glob>, flow=<name or glob>, any other key a label the alert must carry
(severity=critical); repeat rule= or flow= for any of several; every key given must match.
--until takes an ISO time (2026-11-25T18:00:00Z, or local without a zone), --for a duration (2h, 30m).
Serve is found at FLOWTEL_API_URL (default http://127.0.0.1:4100), FLOWTEL_API_TOKEN is its token.
`;

/** `flowtel silence add|list|expire`: `/api/v1/silences`. */
export async function silenceCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(HELP);
    return sub === undefined ? ExitCode.USAGE : ExitCode.COMPLETED;
  }
  const { values, positionals } = parseClientArgs('silence', () =>
    parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        matcher: { type: 'string', multiple: true, short: 'm' },
        until: { type: 'string' },
        for: { type: 'string' },
        comment: { type: 'string' },
        ...CLIENT_OPTIONS,
      },
    }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.COMPLETED;
  }
  if (sub === 'add') {
    if (positionals.length > 0)
      throw new UsageError(`flowtel silence add takes no arguments, got '${positionals[0]}'`);
    const now = systemClock.now();
    const body = {
      matchers: readMatchers(values.matcher ?? []),
      endsAt: new Date(endsAt(values.until, values.for, now)).toISOString(),
      ...(values.comment === undefined ? {} : { comment: values.comment }),
    };
    return runClient(io, async (client) => {
      const added = (await client.request('POST', '/api/v1/silences', body)) as SilenceView;
      if (values.json) return writeJson(io, added);
      io.stdout.write(
        `silence ${added.id} added: ${describeMatchers(added.matchers)}, until ${when(added.endsAt, now)}\n`,
      );
    });
  }
  if (sub === 'list') {
    if (positionals.length > 0)
      throw new UsageError(`flowtel silence list takes no arguments, got '${positionals[0]}'`);
    return runClient(io, (client) => list(client, io, values.json === true));
  }
  if (sub === 'expire') {
    const [id, extra] = positionals;
    if (id === undefined || extra !== undefined)
      throw new UsageError('flowtel silence expire needs one silence id: flowtel silence expire <id>');
    return runClient(io, async (client) => {
      await client.request('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
      io.stdout.write(`silence ${id} expired\n`);
    });
  }
  throw new UsageError(`unknown silence command '${sub}' (add, list, expire)`);
}

async function list(client: ApiClient, io: CliIo, json: boolean): Promise<void> {
  const { silences } = (await client.request('GET', '/api/v1/silences')) as { silences: SilenceView[] };
  if (json) return writeJson(io, { silences });
  if (silences.length === 0) {
    io.stdout.write('no silences in effect\n');
    return;
  }
  const now = systemClock.now();
  const rows = silences.map((s) => [
    s.id,
    describeMatchers(s.matchers),
    when(s.endsAt, now),
    s.comment ?? '',
  ]);
  io.stdout.write(table(['ID', 'MATCHERS', 'ENDS', 'COMMENT'], rows));
}

interface Matchers {
  readonly rule?: string | string[] | undefined;
  readonly flow?: string | string[] | undefined;
  readonly labels?: Record<string, string> | undefined;
}

/** `rule=a`, `flow=b`, `flow=c`, `severity=critical` → `{ rule: 'a', flow: ['b', 'c'], labels: {...} }`. */
function readMatchers(pairs: readonly string[]): Matchers {
  if (pairs.length === 0) {
    throw new UsageError(
      'flowtel silence add needs at least one --matcher key=value (rule=*, to silence every alert)',
    );
  }
  const patterns: { rule: string[]; flow: string[] } = { rule: [], flow: [] };
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1)
      throw new UsageError(`--matcher must look like key=value, got '${pair}'`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (key === 'rule' || key === 'flow') patterns[key].push(value);
    else if (labels[key] !== undefined)
      throw new UsageError(
        `--matcher ${key} is given twice: a label has one value (a glob may match several)`,
      );
    else labels[key] = value;
  }
  const one = (values: string[]) => (values.length === 1 ? values[0]! : values);
  return {
    ...(patterns.rule.length === 0 ? {} : { rule: one(patterns.rule) }),
    ...(patterns.flow.length === 0 ? {} : { flow: one(patterns.flow) }),
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
  };
}

function endsAt(until: string | undefined, forText: string | undefined, now: number): number {
  if ((until === undefined) === (forText === undefined))
    throw new UsageError('flowtel silence add needs one of --until <time> or --for <duration>');
  if (forText !== undefined) {
    try {
      return now + parseDuration(forText, '--for');
    } catch (error) {
      if (error instanceof DurationError) throw new UsageError(error.message);
      throw error;
    }
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(until!) ? Date.parse(until!) : Number.NaN;
  if (!Number.isFinite(at))
    throw new UsageError(`--until must be an ISO time such as 2026-11-25T18:00:00Z, got '${until}'`);
  return at;
}

function describeMatchers(matchers: Matchers): string {
  const part = (key: string, value: string | string[] | undefined) =>
    value === undefined ? [] : [`${key}=${Array.isArray(value) ? value.join('|') : value}`];
  return [
    ...part('rule', matchers.rule),
    ...part('flow', matchers.flow),
    ...Object.entries(matchers.labels ?? {}).map(([key, value]) => `${key}=${value}`),
  ].join(' ');
}

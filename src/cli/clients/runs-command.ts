import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.ts';
import type { RunPage } from '../../history/types.ts';
import { RUNS_LIMIT } from '../../server/query.ts';
import type { CliIo } from '../io.ts';
import { ExitCode, UsageError } from '../usage.ts';
import { CLIENT_OPTIONS, parseClientArgs, runClient, writeJson } from './client-command.ts';
import { duration, table, when } from './format.ts';

const HELP = `flowtel runs [--flow name] [--state type|name] [--limit n] [--json]

Lists the runs serve knows of, newest first: those it scheduled, started on request, or heard of over
OTLP. --state takes a type (failed, running, ...) or a name (TimedOut, Late, ...); --limit 1 to 1000
(default 50). Serve is found at FLOWTEL_API_URL (default http://127.0.0.1:4100).
`;

const MAX_LIMIT = RUNS_LIMIT.max;

/** `flowtel runs`: `GET /api/v1/runs` as a table. */
export async function runsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseClientArgs('runs', () =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        flow: { type: 'string' },
        state: { type: 'string' },
        limit: { type: 'string' },
        ...CLIENT_OPTIONS,
      },
    }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.COMPLETED;
  }
  if (positionals.length > 0)
    throw new UsageError(`flowtel runs takes no arguments, got '${positionals[0]}'`);
  const query = new URLSearchParams();
  if (values.flow !== undefined) query.set('flow', values.flow);
  if (values.state !== undefined) query.set('state', values.state);
  if (values.limit !== undefined) query.set('limit', String(readLimit(values.limit)));
  const search = query.size === 0 ? '' : `?${query}`;
  return runClient(io, async (client) => {
    const page = (await client.request('GET', `/api/v1/runs${search}`)) as RunPage;
    if (values.json) return writeJson(io, page);
    if (page.runs.length === 0) {
      io.stdout.write(query.size === 0 ? 'no runs yet\n' : 'no runs match\n');
      return;
    }
    const now = systemClock.now();
    const rows = page.runs.map((run) => [
      when(run.startedAt ?? run.scheduledAt, now),
      run.flow,
      run.state.name,
      duration(run.durationMs),
      run.source,
      run.id,
    ]);
    io.stdout.write(table(['STARTED', 'FLOW', 'STATE', 'DURATION', 'SOURCE', 'RUN ID'], rows));
    if (page.nextCursor !== null) {
      io.stdout.write(`(the newest ${page.runs.length}; --limit shows up to ${MAX_LIMIT})\n`);
    }
  });
}

function readLimit(text: string): number {
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (limit >= 1 && limit <= MAX_LIMIT) return limit;
  throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got '${text}'`);
}

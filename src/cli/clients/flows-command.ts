import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.ts';
import type { FlowView } from '../../server/backend.ts';
import type { CliIo } from '../io.ts';
import { ExitCode, UsageError } from '../usage.ts';
import { CLIENT_OPTIONS, parseClientArgs, runClient, writeJson } from './client-command.ts';
import { relative, table, when } from './format.ts';

const HELP = `flowtel flows [--json]

Lists the flows serve knows of: their schedules, the next scheduled run, the last run and how many
runs are in flight. Serve is found at FLOWTEL_API_URL (default http://127.0.0.1:4100).
`;

/** `flowtel flows`: `GET /api/v1/flows` as a table. */
export async function flowsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseClientArgs('flows', () =>
    parseArgs({ args: [...args], allowPositionals: true, options: CLIENT_OPTIONS }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.COMPLETED;
  }
  if (positionals.length > 0)
    throw new UsageError(`flowtel flows takes no arguments, got '${positionals[0]}'`);
  return runClient(io, async (client) => {
    const { flows } = (await client.request('GET', '/api/v1/flows')) as { flows: FlowView[] };
    if (values.json) return writeJson(io, { flows });
    if (flows.length === 0) {
      io.stdout.write('no flows yet: serve loads them with --flows, or hears of them over OTLP\n');
      return;
    }
    const now = systemClock.now();
    const rows = flows.map((flow) => [
      flow.name,
      flow.schedules.map((s) => s.description).join(', ') || '-',
      when(nextAt(flow), now),
      flow.lastRun === null ? '-' : `${flow.lastRun.state.name} ${lastRunAge(flow, now)}`,
      String(flow.running),
    ]);
    io.stdout.write(table(['FLOW', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'RUNNING'], rows));
  });
}

function nextAt(flow: FlowView): string | null {
  const times = flow.schedules.flatMap((s) => (s.nextAt === null ? [] : [s.nextAt]));
  return times.sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
}

function lastRunAge(flow: FlowView, now: number): string {
  const run = flow.lastRun;
  const at = run?.startedAt ?? run?.scheduledAt ?? run?.state.at;
  return at === undefined || at === null ? '' : `(${relative(Date.parse(at), now)})`;
}

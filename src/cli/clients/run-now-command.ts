import { parseArgs } from 'node:util';
import type { RunSummary } from '../../history/types.ts';
import type { CliIo } from '../io.ts';
import { nonTextParams, parseParams } from '../params-args.ts';
import { ExitCode, UsageError } from '../usage.ts';
import { type ApiClient, RequestRefused } from './api-client.ts';
import { CLIENT_OPTIONS, parseClientArgs, runClient, writeJson } from './client-command.ts';

const HELP = `flowtel run-now <flow> [--param key=value ...] [--params-json '{...}'] [--json]

Asks serve to start a run of <flow> now, in its own process as a scheduled run would be, and prints
the run's id. Parameters as for flowtel run; serve checks them against the flow's schema.
Serve is found at FLOWTEL_API_URL (default http://127.0.0.1:4100), FLOWTEL_API_TOKEN is its token.
`;

type StartedRun = RunSummary & { readonly traceUrl: string | null };

/** `flowtel run-now <flow>`: `POST /api/v1/flows/:name/runs`. */
export async function runNowCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseClientArgs('run-now', () =>
    parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        param: { type: 'string', multiple: true, short: 'p' },
        'params-json': { type: 'string' },
        ...CLIENT_OPTIONS,
      },
    }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.COMPLETED;
  }
  const [flow, extra] = positionals;
  if (flow === undefined || extra !== undefined)
    throw new UsageError(
      'flowtel run-now needs one flow name: flowtel run-now <flow> [--param key=value ...]',
    );
  const pairs = values.param ?? [];
  const json = values['params-json'];
  const params = parseParams(pairs, json);
  return runClient(io, async (client) => {
    const run = await start(client, flow, params, (refused) => asTyped(pairs, json, refused));
    if (values.json) return writeJson(io, run);
    io.stdout.write(`started run ${run.id} of ${run.flow} (${run.state.name})\n`);
    if (run.traceUrl !== null) io.stdout.write(`trace: ${run.traceUrl}\n`);
  });
}

/**
 * A `--param` value that reads as JSON is sent as JSON (`n=5` a number). When the flow's schema refuses
 * such a value (422 naming it), the run did not start, and it is asked again with those values as typed:
 * `day=20261124` for a string field, as `flowtel run` does.
 */
async function start(
  client: ApiClient,
  flow: string,
  params: Record<string, unknown>,
  retry: (refused: ReadonlySet<string>) => Record<string, unknown> | undefined,
): Promise<StartedRun> {
  const path = `/api/v1/flows/${encodeURIComponent(flow)}/runs`;
  try {
    return (await client.request('POST', path, { params })) as StartedRun;
  } catch (error) {
    if (!(error instanceof RequestRefused) || error.status !== 422) throw error;
    const typed = retry(refusedPaths(error.details));
    if (typed === undefined) throw error;
    return (await client.request('POST', path, { params: typed })) as StartedRun;
  }
}

/** The parameters with the refused `--param` values read as typed; undefined when none was read as JSON. */
function asTyped(
  pairs: readonly string[],
  json: string | undefined,
  refused: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  const asText = new Set([...nonTextParams(pairs)].filter((key) => refused.has(key)));
  return asText.size === 0 ? undefined : parseParams(pairs, json, asText);
}

function refusedPaths(details: unknown): Set<string> {
  if (!Array.isArray(details)) return new Set();
  return new Set(details.flatMap((d: { path?: unknown }) => (typeof d?.path === 'string' ? [d.path] : [])));
}

import { readLoadTimeout } from '../config.ts';
import type { Flow } from '../runtime/flow.ts';
import { processSecrets } from '../secrets.ts';
import type { CliIo } from './io.ts';
import { importFlows } from './load-flow.ts';
import { type CatalogProblem, listFlowFiles } from './serve/catalog-files.ts';
import { type CatalogFlow, type DescribeDocument, LOADING_PREFIX } from './serve/catalog-schema.ts';
import { ExitCode, UsageError } from './usage.ts';

/**
 * `flowtel describe <file|dir>...` (internal, used by `flowtel serve`): imports each flow file in this
 * process, never in serve's, and prints what they declare as one JSON document on the last line of
 * stdout (see `catalog-schema.ts`). A file that does not load is a problem in the document, and the
 * other files are still described. Exit 0 whatever the files hold; 2 without a path.
 */
export async function describeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const paths = args.filter((arg) => !arg.startsWith('-'));
  const option = args.find((arg) => arg.startsWith('-'));
  if (option !== undefined) throw new UsageError(`flowtel describe takes no option '${option}'`);
  if (paths.length === 0) throw new UsageError('flowtel describe needs a file or folder of flows');
  const timeoutMs = readLoadTimeout(io.env);
  const { files, problems } = listFlowFiles(paths);
  const flows: CatalogFlow[] = [];
  for (const file of files) {
    io.stderr.write(`${LOADING_PREFIX}${file}\n`);
    try {
      for (const [exportName, value] of await importFlows(file, timeoutMs)) {
        flows.push(describeFlow(file, exportName, value));
      }
    } catch (error) {
      problems.push(problemOf(file, error));
    }
  }
  const document: DescribeDocument = { v: 1, flows, problems };
  // One line, last: whatever the files' own code printed while loading comes before it.
  io.stdout.write(`\n${JSON.stringify(document)}\n`);
  return ExitCode.COMPLETED;
}

/**
 * A flow's declared options as data. The scheduling options are read from the resolved options as they
 * are when present and default when not, so a flow made by an older copy of flowtel is still described.
 */
function describeFlow(file: string, exportName: string, value: Flow<unknown, unknown>): CatalogFlow {
  const options = value.options as unknown as Readonly<Record<string, unknown>>;
  return {
    file,
    exportName,
    name: value.flowName,
    description: typeof options.description === 'string' ? options.description : null,
    tags: Array.isArray(options.tags) ? options.tags.filter((tag) => typeof tag === 'string') : [],
    schedules: (jsonValue(options.schedules) as CatalogFlow['schedules'] | undefined) ?? [],
    overlap: (options.overlap as CatalogFlow['overlap'] | undefined) ?? 'skip',
    concurrency: (options.concurrency as number | null | undefined) ?? null,
    catchUp: (options.catchUp as CatalogFlow['catchUp'] | undefined) ?? 'skip',
    hasParams: options.schema !== undefined,
  };
}

/** The value as JSON holds it (dates as ISO text, functions left out); what cannot be, as its text. */
function jsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

/** Why the file did not load, in one line and without repeating its path (the problem names it). */
function problemOf(file: string, error: unknown): CatalogProblem {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const message = text.startsWith(`${file} `) ? text.slice(file.length + 1) : text;
  return { file, message: processSecrets().redact(message) };
}

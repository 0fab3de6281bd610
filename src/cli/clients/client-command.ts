import type { CliIo } from '../io.ts';
import { ExitCode, UsageError } from '../usage.ts';
import { type ApiClient, apiClient, RequestRefused } from './api-client.ts';

/** Options every client command takes. */
export const CLIENT_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs a command's `parseArgs`, turning Node's complaint into a usage error (exit 2) that says where help is. */
export function parseClientArgs<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    // Node's text for an unknown option runs on about `--` and positionals: its first sentence says it.
    const message = (error as Error).message.split(/\.\s/)[0] ?? '';
    throw new UsageError(`${message} (see flowtel ${command} --help)`);
  }
}

/**
 * Runs one client command against serve's API. A refused request prints one line (and the API's
 * details, one a line) and exits 1; usage errors are left to `main` (exit 2).
 */
export async function runClient(io: CliIo, work: (client: ApiClient) => Promise<void>): Promise<number> {
  const client = apiClient(io.env);
  try {
    await work(client);
    return ExitCode.COMPLETED;
  } catch (error) {
    if (!(error instanceof RequestRefused)) throw error;
    io.stderr.write(`flowtel: ${error.message}\n`);
    // The API's message often lists its details already (`invalid silence: endsAt: is missing`).
    for (const line of detailLines(error.details))
      if (!error.message.includes(line)) io.stderr.write(`  ${line}\n`);
    return ExitCode.NOT_COMPLETED;
  }
}

/** `details` as the API gives them (`[{ path, message }]`), one line each; anything else is left out. */
function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((detail: { path?: unknown; message?: unknown }) => {
    if (typeof detail?.message !== 'string') return [];
    return [
      typeof detail.path === 'string' && detail.path !== ''
        ? `${detail.path}: ${detail.message}`
        : detail.message,
    ];
  });
}

/** Prints `value` as indented JSON (for `--json`). */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

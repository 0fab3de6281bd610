import { join } from 'node:path';
import { type CliRun, startCli, tempDir } from './cli.ts';

export interface ServeProcess {
  readonly run: CliRun;
  readonly apiUrl: string;
  readonly otlpUrl: string;
  /** The folder serve runs in; FLOWTEL_HOME is `<cwd>/.flowtel` unless the env says otherwise. */
  readonly cwd: string;
  /** A JSON request to the API: the status and the parsed body. */
  api(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<ApiAnswer>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface ApiAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answers
  readonly body: any;
}

/**
 * Starts `flowtel serve` as a real process on free ports (`--port 0 --otlp-port 0`) and reads the
 * URLs it prints. `cwd` (default a fresh temp dir) is reused by a restart test to keep FLOWTEL_HOME.
 */
export async function startServe(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ServeProcess> {
  const cwd = options.cwd ?? tempDir('flowtel-serve-');
  const run = startCli(['serve', '--port', '0', '--otlp-port', '0', ...args], {
    cwd,
    env: { FLOWTEL_HOME: join(cwd, '.flowtel'), ...options.env },
  });
  const apiUrl = await urlAfter(run, 'flowtel serve: API ');
  const otlpUrl = await urlAfter(run, 'flowtel serve: OTLP ');
  return {
    run,
    apiUrl,
    otlpUrl,
    cwd,
    async api(path, init = {}) {
      const headers: Record<string, string> = {};
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
      const response = await fetch(`${apiUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (e.g. /metrics): keep the text
      }
      return { status: response.status, body };
    },
    async stop(signal = 'SIGTERM') {
      run.child.kill(signal);
      const result = await run.done;
      return { code: result.code, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

/** The URL printed after `prefix` on one of serve's first lines. */
async function urlAfter(run: CliRun, prefix: string): Promise<string> {
  await run.waitForOutput(prefix);
  const { stdout } = run.output();
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(prefix));
  const url = line?.slice(prefix.length).trim().split(/\s+/)[0];
  if (!url) throw new Error(`serve printed no URL after '${prefix}':\n${stdout}`);
  return url;
}

/**
 * Waits until `probe` returns a value other than undefined, checking every `everyMs`; fails after
 * `timeoutMs` with `what` and the last value seen. For outcomes that arrive over the wire in their own
 * time: the wait decides nothing, the probe does.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, everyMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

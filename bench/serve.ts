import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

const BIN = join(ROOT, 'src/cli/bin.ts');

export interface ServeProcess {
  readonly apiUrl: string;
  readonly otlpUrl: string;
  /** FLOWTEL_HOME of this serve. */
  readonly home: string;
  /** `GET <api><path>` as JSON; throws on a status other than 200. */
  get<T>(path: string): Promise<T>;
  /** SIGTERM, then waits for the exit; removes the working directory unless `cwd` was given. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Arguments after `serve --port 0 --otlp-port 0`. */
  readonly args: readonly string[];
  /** Variables on top of PATH, HOME and FLOWTEL_HOME. */
  readonly env?: Readonly<Record<string, string>>;
  /** A working directory to run in (its `.flowtel` is FLOWTEL_HOME), kept after `stop`; else a fresh one. */
  readonly cwd?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** How long serve may take to print its URLs. @default 120 s */
  readonly startTimeoutMs?: number;
}

/** FLOWTEL_HOME inside a serve working directory. */
export const homeIn = (cwd: string): string => join(cwd, '.flowtel');

/**
 * `flowtel serve` as a user starts it, from this repository's sources, on free ports; answers once it
 * printed its API and OTLP URLs. Throws with the end of its output when it exits or takes too long.
 */
export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'flowtel-bench-serve-'));
  const home = homeIn(cwd);
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      '--conditions=flowtel-source',
      '--import',
      import.meta.resolve('tsx'),
      BIN,
      'serve',
      '--port',
      '0',
      '--otlp-port',
      '0',
      ...options.args,
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? cwd,
        FLOWTEL_HOME: home,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const cleanUp = () => {
    if (options.cwd === undefined) rmSync(cwd, { recursive: true, force: true });
  };
  let urls: { api: string; otlp: string };
  try {
    urls = await printedUrls(child, () => output, options.startTimeoutMs ?? 120_000);
  } catch (error) {
    await stopChild(child);
    cleanUp();
    throw error;
  }
  return {
    apiUrl: urls.api,
    otlpUrl: urls.otlp,
    home,
    async get<T>(path: string) {
      const response = await fetch(`${urls.api}${path}`);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    },
    async stop() {
      await stopChild(child);
      cleanUp();
    },
  };
}

function printedUrls(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<{ api: string; otlp: string }> {
  const after = (prefix: string) =>
    output()
      .split('\n')
      .find((line) => line.startsWith(prefix))
      ?.slice(prefix.length)
      .trim()
      .split(/\s+/)[0];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`printed no URLs within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`flowtel serve ${why}:\n${output().slice(-2_000)}`));
    };
    const check = () => {
      const api = after('flowtel serve: API ');
      const otlp = after('flowtel serve: OTLP ');
      if (api && otlp) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve({ api, otlp });
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => fail(`exited (code ${code})`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

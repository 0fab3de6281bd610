import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/cli/fixtures');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  /**
   * Resolves when stderr (or stdout) has printed `text`; rejects, naming the exit and the output so far,
   * if the process ends without printing it.
   */
  waitForOutput(text: string): Promise<void>;
  /** What it has printed so far. */
  output(): { readonly stdout: string; readonly stderr: string };
}

/** A fresh FLOWTEL_HOME and working directory, so runs share no state and find no ./rules by accident. */
export function tempDir(prefix = 'flowtel-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts `flowtel <args>` from this repository's sources as a child process, the way `npm run flowtel`
 * does, with only the variables given (plus PATH and HOME).
 */
export function startCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): CliRun {
  const cwd = options.cwd ?? tempDir();
  const child = spawn(
    process.execPath,
    // tsx resolved here, not from the child's working directory (a temp dir without node_modules).
    [
      '--conditions=flowtel-source',
      '--import',
      import.meta.resolve('tsx'),
      join(ROOT, 'src/cli/bin.ts'),
      ...args,
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? cwd,
        FLOWTEL_HOME: join(cwd, '.flowtel'),
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const waiters: Array<{ text: string; resolve: () => void; reject: (error: Error) => void }> = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (stdout.includes(waiter.text) || stderr.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      } else if (exit) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.reject(
          new Error(
            `flowtel exited (code ${exit.code}, signal ${exit.signal}) without printing '${waiter.text}'\n` +
              `stdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      check();
      resolveDone({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    output: () => ({ stdout, stderr }),
    waitForOutput: (text) =>
      new Promise<void>((resolveWait, rejectWait) => {
        waiters.push({ text, resolve: resolveWait, reject: rejectWait });
        check();
      }),
  };
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return startCli(args, options).done;
}

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

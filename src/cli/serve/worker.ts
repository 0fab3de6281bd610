import { spawn } from 'node:child_process';
import type { ParameterIssue } from '../../errors.ts';
import { ExitCode } from '../usage.ts';
import type { CatalogFlow } from './catalog-schema.ts';
import { type FlowtelCommand, thisFlowtel } from './worker-command.ts';
import { childEnvironment } from './worker-env.ts';
import { OutputTail } from './worker-output.ts';
import { ChildMessageSchema } from './worker-protocol.ts';

export interface WorkerRunOptions {
  readonly flow: CatalogFlow;
  /** The run's id, chosen by serve: the child's run records and spans carry it. */
  readonly runId: string;
  /** The slot the run is for; its lateness is measured from it. */
  readonly scheduledAt?: Date;
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * `flowtel run --lock`: the run starts only if no other run of the flow holds its lock in the store
   * (a cron-started `flowtel run --lock` of the same flow, say); else the child exits 3 unstarted.
   * @default false
   */
  readonly lock?: boolean;
  /** Serve's OTLP/HTTP endpoint, e.g. `http://127.0.0.1:4318`: the child reports there. */
  readonly otlpEndpoint: string;
  /** The environment the child starts from (serve's); see `childEnvironment` for what is changed. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called once when the child has ended, however it ended (also when it could not start). */
  readonly onExit: (exit: WorkerExit) => void;
  /** @default this flowtel (see `thisFlowtel`) */
  readonly command?: FlowtelCommand;
}

export interface WorkerExit {
  /** The exit code: 0 Completed, 1 another end, 2 refused, 143 cancelled by SIGTERM; null when killed. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The child's last lines of stderr, redacted: what to say when it died before its run ended. */
  readonly stderrTail: string;
}

/**
 * Whether the run began: `refused` for invalid parameters, `locked` when another run of the flow holds
 * its lock (`lock`), `exited` when the child ended before for another reason.
 */
export type WorkerStart =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'refused';
      readonly message: string;
      readonly issues: readonly ParameterIssue[];
    }
  | { readonly ok: false; readonly reason: 'locked' | 'exited'; readonly message: string };

export interface WorkerRun {
  readonly pid: number | undefined;
  /** Settles once: the run began (parameters accepted), or it never will. */
  readonly started: Promise<WorkerStart>;
  /** Settles when the child has ended (after `onExit` was called). */
  readonly exited: Promise<WorkerExit>;
  /**
   * SIGTERM (the run ends Cancelled and flushes its telemetry), then SIGKILL if the child is still
   * there after `graceMs` (its event loop is blocked, or the flush hangs). Resolves when it has ended.
   */
  cancel(graceMs: number): Promise<WorkerExit>;
}

const STDERR_TAIL_CHARS = 8 * 1024;
const STDERR_TAIL_LINES = 20;
/** After the child exits, how long its stderr may take to deliver its last lines. */
const STDERR_DRAIN_MS = 500;

/**
 * Runs one flow run in its own `flowtel run` child process, so a run that crashes its process, exhausts
 * memory or blocks its event loop costs that child only. The child reports its transitions to serve
 * over OTLP like any other pipeline, and over IPC only whether the run began. It is started in its own
 * process group: a Ctrl-C in serve's terminal reaches serve, which decides how its runs end. If serve
 * dies, the closed IPC channel makes the child cancel its run.
 */
export function startWorkerRun(options: WorkerRunOptions): WorkerRun {
  const command = options.command ?? thisFlowtel();
  const args = [
    ...command.args,
    'run',
    options.flow.file,
    '--flow',
    options.flow.exportName,
    '--params-json',
    JSON.stringify(options.params),
    ...(options.lock ? ['--lock'] : []),
  ];
  const child = spawn(command.execPath, args, {
    env: childEnvironment(options.env, options),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
  const stderr = new OutputTail(STDERR_TAIL_CHARS);
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

  let settleStart: (start: WorkerStart) => void = () => {};
  const started = new Promise<WorkerStart>((resolve) => {
    settleStart = resolve;
  });
  child.on('message', (message: unknown) => {
    const parsed = ChildMessageSchema.safeParse(message);
    if (!parsed.success) return;
    if (parsed.data.type === 'started') settleStart({ ok: true });
    else
      settleStart({ ok: false, reason: 'refused', message: parsed.data.message, issues: parsed.data.issues });
  });

  let killTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<WorkerExit>((resolve) => {
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, fallback?: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(killTimer);
      const exit = { code, signal, stderrTail: stderr.lines(STDERR_TAIL_LINES) || (fallback ?? '') };
      // Locked: the child's last line says which run holds the flow.
      const said = exit.stderrTail.trim().split('\n').at(-1) ?? '';
      settleStart(
        code === ExitCode.LOCKED && options.lock === true && said !== ''
          ? { ok: false, reason: 'locked', message: said }
          : { ok: false, reason: 'exited', message: beforeStart(exit) },
      );
      options.onExit(exit);
      resolve(exit);
    };
    child.on('error', (error) => end(null, null, `cannot start the run's process: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (!child.stderr || child.stderr.closed) return end(code, signal);
      // A process the flow started may hold the stderr pipe open: its last lines get a moment, no more.
      const drained = setTimeout(() => end(code, signal), STDERR_DRAIN_MS);
      child.stderr.once('close', () => {
        clearTimeout(drained);
        end(code, signal);
      });
    });
  });

  return {
    pid: child.pid,
    started,
    exited,
    cancel(graceMs) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceMs);
      }
      return exited;
    },
  };
}

function beforeStart(exit: WorkerExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `the run's process ${how} before the run started${exit.stderrTail ? `: ${exit.stderrTail}` : ''}`;
}

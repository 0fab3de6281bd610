import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { RunHistory, RunSource } from '../../history/types.ts';
import { isFinal } from '../../runtime/state.ts';
import type { CatalogFlow } from './catalog.ts';
import type { ServeCore } from './core.ts';
import { lockedRecord, refusedRecord, scheduledRecord } from './records.ts';
import { startWorkerRun, type WorkerExit, type WorkerRun } from './worker.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface LaunchRequest {
  readonly flow: CatalogFlow;
  readonly params: Readonly<Record<string, unknown>>;
  readonly source: Exclude<RunSource, 'otlp'>;
  /** The slot a scheduled run is for (its lateness is measured from it). */
  readonly scheduledAt?: number;
}

/**
 * Whether the run takes the flow's lock in the store (`flowtel run --lock`): a scheduled run of a flow
 * that must not overlap itself (overlap `skip` or `queue`, one run at a time), so that it never runs
 * beside a cron-started `flowtel run --lock` of the same flow either. A flow allowed to run several
 * at once has nothing to lock; a run asked for by hand runs whatever else does.
 */
export function takesLock(request: LaunchRequest): boolean {
  const { overlap, concurrency } = request.flow;
  return request.source === 'schedule' && overlap !== 'allow' && concurrency === 1;
}

export type LaunchOutcome =
  | { readonly ok: true; readonly runId: string }
  | {
      readonly ok: false;
      readonly runId: string;
      /** `locked`: another run of the flow held its lock, the run was not started (its slot is skipped). */
      readonly reason: 'refused' | 'locked' | 'exited';
      readonly message: string;
    };

/**
 * How long after a child exits serve waits for the run's last transitions before calling it Crashed:
 * a child flushes its telemetry before it exits, so they have nearly always arrived by then.
 */
const EXIT_SETTLE_MS = 1_500;

/**
 * Starts runs in child processes (`flowtel run`, one per run, reporting over OTLP like any process) and
 * keeps what serve needs of each: to cancel it, to know it is still running, and to end it Crashed when
 * its process dies before the run did. A run is recorded Scheduled before its process exists, so it is
 * in the history (with its source and scheduled time) whatever happens to the process.
 */
export class Launcher {
  readonly #core: ServeCore;
  readonly #history: RunHistory;
  readonly #clock: Clock;
  readonly #otlpEndpoint: string;
  readonly #env: () => Env;
  readonly #log: (line: string) => void;
  readonly #running = new Map<
    string,
    { readonly flow: string; readonly worker: WorkerRun; exited: Promise<void> }
  >();

  constructor(options: {
    core: ServeCore;
    history: RunHistory;
    clock: Clock;
    otlpEndpoint: string;
    /** The environment runs start from (read at each launch: the rules' secrets change on reload). */
    env: () => Env;
    log: (line: string) => void;
  }) {
    this.#core = options.core;
    this.#history = options.history;
    this.#clock = options.clock;
    this.#otlpEndpoint = options.otlpEndpoint;
    this.#env = options.env;
    this.#log = options.log;
  }

  /** Starts a run; resolves once its process has accepted the parameters and begun, or refused them. */
  async launch(request: LaunchRequest): Promise<LaunchOutcome> {
    const runId = randomUUID();
    const run = {
      flow: request.flow.name,
      runId,
      tags: request.flow.tags,
      scheduledAt: request.scheduledAt,
    };
    this.#core.accept(scheduledRecord(run, this.#clock.now()), request.source);
    let exit!: (info: WorkerExit) => void;
    const exited = new Promise<WorkerExit>((resolve) => {
      exit = resolve;
    });
    const worker = startWorkerRun({
      flow: request.flow,
      runId,
      ...(request.scheduledAt === undefined ? {} : { scheduledAt: new Date(request.scheduledAt) }),
      params: request.params,
      lock: takesLock(request),
      otlpEndpoint: this.#otlpEndpoint,
      env: this.#env(),
      onExit: (info) => exit(info),
    });
    const entry = {
      flow: request.flow.name,
      worker,
      exited: exited.then((info) => this.#exited(runId, info)),
    };
    this.#running.set(runId, entry);
    const started = await worker.started;
    if (started.ok) return { ok: true, runId };
    if (started.reason === 'locked') {
      // Nothing ran: the run ends Cancelled (no alert), saying which run holds the flow.
      this.#core.accept(lockedRecord(run, 1, this.#clock.now(), started.message), request.source);
      return { ok: false, runId, reason: 'locked', message: started.message };
    }
    // A process that died before serve heard the run begin (killed at its first step, say): its exit
    // is the run's end, Crashed (see #exited), not a refusal of its parameters.
    if (started.reason === 'exited') return { ok: false, runId, reason: 'exited', message: started.message };
    // Refused parameters: no run began. A schedule's refused run fails and alerts like any failure; a
    // run-now caller hears the reason in its answer, so that one is only recorded.
    const refused = refusedRecord(run, 1, this.#clock.now(), started.message);
    if (request.source === 'schedule') this.#core.accept(refused, request.source);
    else this.#history.record(refused, request.source);
    return { ok: false, runId, reason: 'refused', message: started.message };
  }

  /** Whether the run is one of serve's children still running. */
  owns(runId: string): boolean {
    return this.#running.has(runId);
  }

  /** Runs of `flow` whose processes are still running. */
  runningOf(flow: string): number {
    let count = 0;
    for (const entry of this.#running.values()) if (entry.flow === flow) count++;
    return count;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Asks the run's process to cancel (SIGTERM; SIGKILL after `graceMs`) and waits until it is gone. */
  async cancel(runId: string, graceMs: number): Promise<boolean> {
    const entry = this.#running.get(runId);
    if (!entry) return false;
    entry.worker.cancel(graceMs);
    await entry.exited;
    return true;
  }

  /** Cancels every run still going, each with `graceMs`, and waits until their processes are gone. */
  async stopAll(graceMs: number): Promise<void> {
    const entries = [...this.#running.values()];
    for (const entry of entries) entry.worker.cancel(graceMs);
    await Promise.all(entries.map((entry) => entry.exited));
  }

  /** Waits (at most `timeoutMs`) for the running children to end on their own. */
  async settle(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.#running.values()].map((entry) => entry.exited));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  async #exited(runId: string, info: WorkerExit): Promise<void> {
    const ended = () => {
      const run = this.#history.get(runId);
      return run === undefined || isFinal(run.state.type);
    };
    if (!ended()) await new Promise((resolve) => setTimeout(resolve, EXIT_SETTLE_MS));
    this.#running.delete(runId);
    if (ended()) return;
    const how = info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
    const tail = info.stderrTail.trim();
    const why = `the run's process ${how} before the run ended${tail ? `: ${lastLine(tail)}` : ''}`;
    if (this.#core.crash(runId, why)) this.#log(`flowtel serve: run ${runId} crashed: ${why}`);
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 500);
}

import { parseArgs } from 'node:util';
import { traceUrl, traceUrlTemplate } from '../alerts/trace-link.ts';
import { systemClock } from '../clock.ts';
import { readLoadTimeout, readSettings } from '../config.ts';
import { humanDuration } from '../duration.ts';
import { ConfigError, ParameterValidationError } from '../errors.ts';
import { readOtelConfig } from '../otel/config.ts';
import { RulesLoadError } from '../rules/errors.ts';
import { onTransition } from '../runtime/hub.ts';
import { validateParams } from '../runtime/params.ts';
import type { FlowRunRecord } from '../runtime/run-record.ts';
import { cannotKeepState, startRunAlerting } from './alerting.ts';
import type { CliIo } from './io.ts';
import { loadFlow } from './load-flow.ts';
import { nonTextParams, parseParams } from './params-args.ts';
import { openRecordFile } from './record-file.ts';
import { forgetRunIdentity, readRunIdentity, serveChild } from './serve/worker-child.ts';
import { ExitCode, RUN_HELP, UsageError } from './usage.ts';
import { PipeView, type RunView } from './view/pipe-view.ts';
import { TtyView } from './view/tty-view.ts';

/** How long alerts and telemetry may take to flush once the run has ended. */
const FLUSH_DEADLINE_MS = 3_000;

/**
 * `flowtel run`: validates parameters before anything starts, runs the flow with a live view, records
 * transitions if asked, delivers alerts and flushes telemetry with deadlines, and answers with the exit
 * code of the run.
 */
export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout.write(RUN_HELP);
    return ExitCode.COMPLETED;
  }
  const file = positionals[0];
  if (file === undefined)
    throw new UsageError('flowtel run needs a file: flowtel run <file> (see flowtel run --help)');
  if (positionals.length > 1)
    throw new UsageError(`unexpected argument '${positionals[1]}' (parameters go in --param key=value)`);
  checkSettings(io.env);
  const identity = readRunIdentity(io.env);
  const serve = serveChild(io.env);
  forgetRunIdentity();

  const flow = await loadFlow(file, values.flow, readLoadTimeout(io.env));
  const params = await checkedParams(
    flow.flowName,
    flow.options.schema,
    values.param ?? [],
    values['params-json'],
  ).catch(async (error: unknown) => {
    await serve?.refused(error);
    throw error;
  });
  const lock = values.lock ? await lockFlow(flow.flowName, io) : undefined;
  if (lock?.ok === false) return ExitCode.LOCKED;
  // Alerts and delivery notes go to stderr, through the live view while it is on screen.
  let print: (text: string) => void = (text) => io.stderr.write(text);
  const recording = values.record === undefined ? undefined : openRecordFile(values.record, (t) => print(t));
  const alerting = await startRunAlerting(values.rules, io.env, (text) => print(text)).catch(
    (error: unknown) => {
      throw alertingRefusal(error, io.env);
    },
  );
  const { MissingPeerError, setupTelemetry, shutdownTelemetry } = await import('../otel/index.ts');
  await setupTelemetry({ serviceName: flow.flowName, env: io.env }).catch((error: unknown) => {
    throw error instanceof MissingPeerError ? new UsageError(error.message) : error;
  });

  const view: RunView = io.stdout.isTTY
    ? new TtyView(io.stdout as NodeJS.WriteStream, 100, (text) => io.stderr.write(text))
    : new PipeView(
        (line) => io.stdout.write(`${line}\n`),
        10_000,
        (text) => io.stderr.write(text),
      );
  print = (text) => view.print(text);
  const stopObserving = onTransition((record) => {
    serve?.observe(record);
    view.onTransition(record);
    recording?.write(record);
  });
  const stop = new AbortController();
  const signals = handleSignals(stop, io);
  serve?.onDisconnect(() => {
    io.stderr.write('flowtel: serve went away, cancelling the run\n');
    stop.abort();
  });
  let record: FlowRunRecord;
  try {
    record = await flow.run(params as never, { signal: stop.signal, ...identity });
  } finally {
    lock?.release();
    stopObserving();
    view.close();
    print = (text) => io.stderr.write(text);
    signals.restore();
  }
  io.stdout.write(
    `${summary(record, traceUrl(traceUrlTemplate(alerting?.links, io.env), record.traceId))}\n`,
  );
  const alerts = alerting?.finish(FLUSH_DEADLINE_MS, signals.finishing);
  const finished = Promise.all([alerts, shutdownTelemetry(FLUSH_DEADLINE_MS), recording?.close()]);
  // A signal while flushing: what is unsent stays in the outbox (released, so the next run sends it
  // at once), and the process does not wait for the telemetry deadline.
  const interrupted = new Promise<'interrupted'>((resolve) =>
    signals.finishing.addEventListener('abort', () => resolve('interrupted'), { once: true }),
  );
  const outcome = await Promise.race([
    finished,
    interrupted.then(() => alerts).then(() => 'interrupted' as const),
  ]);
  signals.done();
  await serve?.flush();
  if (outcome === 'interrupted') return signals.exitCode() ?? ExitCode.SIGINT;
  const [, telemetry] = outcome;
  if (
    telemetry.droppedSpans > 0 &&
    !io.env.OTEL_EXPORTER_OTLP_ENDPOINT &&
    !io.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  ) {
    io.stderr.write(
      'flowtel: no OTLP endpoint is configured and none answered at http://localhost:4318: set OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER=none)\n',
    );
  }
  return (
    signals.exitCode() ?? (record.state.type === 'COMPLETED' ? ExitCode.COMPLETED : ExitCode.NOT_COMPLETED)
  );
}

/**
 * Every setting the run reads, checked before anything starts: a bad `FLOWTEL_*` or `OTEL_*` value
 * throws `ConfigError` (a usage error, exit 2), instead of a run that ends Crashed and pages someone.
 * The OTEL warnings are left to the telemetry set-up, so each prints once.
 */
function checkSettings(env: CliIo['env']): void {
  readSettings(env);
  readLoadTimeout(env);
  readOtelConfig(env, () => {});
}

/**
 * `--lock`: the flow's lock in FLOWTEL_HOME's store, held (and renewed) until the run ends; when another
 * run holds it, says who in one line and starts nothing.
 */
async function lockFlow(flowName: string, io: CliIo) {
  const { openDatabase } = await import('../store/sqlite.ts');
  const { holdRunLock, SqliteFlowLocks } = await import('../store/flow-locks.ts');
  const db = await openDatabase({ env: io.env });
  const held = holdRunLock(new SqliteFlowLocks(db, { clock: systemClock }), flowName, () =>
    io.stderr.write(`flowtel: the lock of flow '${flowName}' lapsed and was taken over by another run\n`),
  );
  if (!held.ok) {
    const { pid, host, since } = held.heldBy;
    io.stderr.write(
      `flow '${flowName}' is already running (pid ${pid} on ${host}, since ${new Date(since).toISOString()}); not started\n`,
    );
    db.close();
    return held;
  }
  const release = () => {
    process.off('exit', release);
    if (!db.open) return;
    held.release();
    db.close();
  };
  // Also when a later step refuses to start the run (a usage error ends the process).
  process.once('exit', release);
  return { ok: true as const, release };
}

/**
 * Why embedded alerting cannot start, as a usage error that says which part is at fault: the rules, or
 * the store that keeps alert state (a damaged `flowtel.db` is not a rules problem). Anything else is
 * unexpected and keeps its stack.
 */
function alertingRefusal(error: unknown, env: CliIo['env']): unknown {
  if (error instanceof UsageError || error instanceof ConfigError) return error;
  if (error instanceof RulesLoadError)
    return new UsageError(`the alert rules do not load:\n${error.message}`);
  const code = (error as { code?: unknown } | null)?.code;
  const isStore =
    (typeof code === 'string' && code.startsWith('SQLITE_')) || (error as Error)?.name === 'StoreError';
  return isStore ? cannotKeepState(error, env) : error;
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        flow: { type: 'string' },
        param: { type: 'string', multiple: true, short: 'p' },
        'params-json': { type: 'string' },
        record: { type: 'string' },
        rules: { type: 'string' },
        lock: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // Node's text for an unknown option runs on about `--` and positionals: its first sentence says it.
    const message = (error as Error).message.split(/\.\s/)[0] ?? '';
    throw new UsageError(`${message} (see flowtel run --help)`);
  }
}

/**
 * Parameters as the flow's schema accepts them. A `--param` value that reads as JSON is taken as JSON
 * (`n=5` a number), unless the schema refuses it there and would take it as typed: `day=20261124` or
 * `apiToken=12345` for a string field. Through the CLI invalid parameters start no run and page nobody:
 * a typo is a usage error.
 */
async function checkedParams(
  flowName: string,
  schema: unknown,
  pairs: readonly string[],
  json: string | undefined,
): Promise<Record<string, unknown>> {
  const params = parseParams(pairs, json);
  const issues = await paramIssues(flowName, schema, params);
  if (issues.length === 0) return params;
  const refused = new Set(issues.map((issue) => issue.path));
  const asText = new Set([...nonTextParams(pairs)].filter((key) => refused.has(key)));
  if (asText.size > 0) {
    const typed = parseParams(pairs, json, asText);
    const typedIssues = await paramIssues(flowName, schema, typed);
    if (typedIssues.length === 0) return typed;
    // As typed, the problem is the value itself ("day must look like 2026-11-24"): say that.
    if (typedIssues.length <= issues.length) return refuse(flowName, typedIssues);
  }
  return refuse(flowName, issues);
}

async function paramIssues(flowName: string, schema: unknown, params: unknown) {
  try {
    await validateParams(flowName, schema as never, params);
    return [];
  } catch (error) {
    if (!(error instanceof ParameterValidationError)) throw error;
    return error.issues;
  }
}

function refuse(flowName: string, issues: ParameterValidationError['issues']): never {
  const lines = issues.map(
    (issue) => `  ${issue.path ? `--param ${issue.path}` : 'parameters'}: ${issue.message}`,
  );
  throw new UsageError(
    `invalid parameters for flow '${flowName}' (no run was started):\n${lines.join('\n')}`,
    { cause: new ParameterValidationError(flowName, issues) },
  );
}

/**
 * SIGINT/SIGTERM cancel the run (it ends Cancelled, telemetry and alerts still flush) and the exit code
 * becomes 130/143. A signal once the run has ended (a second one, or a first during the flush) stops
 * the flush: alerts not yet delivered are released in the outbox for the next run, and it exits.
 */
function handleSignals(stop: AbortController, io: CliIo) {
  let code: number | undefined;
  const codeOf = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM);
  const onSignal = (signal: NodeJS.Signals) => {
    if (code !== undefined) process.exit(code);
    code = codeOf(signal);
    io.stderr.write(`\nflowtel: ${signal} received, cancelling the run (send it again to exit at once)\n`);
    stop.abort();
  };
  /** Aborted by a signal once the run has ended: delivery and telemetry stop waiting. */
  const finishing = new AbortController();
  const onSignalWhileFinishing = (signal: NodeJS.Signals) => {
    if (finishing.signal.aborted) process.exit(code ?? codeOf(signal));
    code ??= codeOf(signal);
    io.stderr.write(
      `\nflowtel: ${signal} received, exiting; alerts not delivered yet stay in the outbox for the next run\n`,
    );
    finishing.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Signal listeners do not keep Node alive: a run whose code waits on nothing but its signal (or a
  // flush waiting on an unref'd timer) would let the event loop drain, and Node would exit 13 on the
  // CLI's unsettled top-level await. This keeps the process up until the command is done.
  const keepAlive = setInterval(() => {}, 1 << 30);
  return {
    exitCode: () => code,
    finishing: finishing.signal,
    restore() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.on('SIGINT', onSignalWhileFinishing);
      process.on('SIGTERM', onSignalWhileFinishing);
    },
    done() {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignalWhileFinishing);
      process.off('SIGTERM', onSignalWhileFinishing);
    },
  };
}

function summary(record: FlowRunRecord, traceLink: string | undefined): string {
  const counts = Object.entries(record.taskRuns.counts)
    .map(([state, count]) => `${count} ${state.toLowerCase()}`)
    .join(', ');
  const lines = [
    `flow ${record.flow} ${record.state.name} in ${humanDuration(record.durationMs)}${counts ? ` (task runs: ${counts})` : ''}`,
  ];
  if (record.state.message && record.state.type !== 'COMPLETED') lines.push(`  ${record.state.message}`);
  for (const task of record.taskRuns.records.filter((t) => t.state.type !== 'COMPLETED').slice(0, 5)) {
    lines.push(
      `  task ${task.task} ${task.state.name} after ${task.attempts} attempt(s)${task.error ? `: ${task.error.type}: ${task.error.message}` : ''}`,
    );
  }
  lines.push(`  run id   ${record.flowRunId}`);
  if (record.traceId) {
    lines.push(`  trace id ${record.traceId}`);
    if (traceLink) lines.push(`  trace    ${traceLink}`);
  }
  return lines.join('\n');
}

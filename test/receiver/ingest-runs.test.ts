import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { runCli, tempDir } from '../support/cli.ts';
import { collectingIngest, type IngestReceiver, startIngestReceiver } from './ingest-harness.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/orders.ts');

/** What ingest delivers of a run: flow transitions, task retries and ends (Completed included). */
const DELIVERED_TASK_STATES = new Set([
  'AwaitingRetry',
  'Completed',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Crashed',
]);
/** Task transitions that also have a log record, and so their `seq`; the others come from spans (seq 0). */
const LOGGED_TASK_STATES = new Set(['AwaitingRetry', 'Failed', 'TimedOut', 'Crashed']);

/**
 * The records ingest rebuilds from a run's `--record` file. One thing is not on the wire: an empty
 * parameter object (a subflow called without parameters) writes no `flowtel.parameter.*` attribute,
 * so it reads back as no parameters, which the run history shows alike.
 */
function expectedFrom(recorded: TransitionRecord[]): TransitionRecord[] {
  return recorded
    .filter((r) => r.task === undefined || DELIVERED_TASK_STATES.has(r.state.name))
    .map((r) => (r.task === undefined || LOGGED_TASK_STATES.has(r.state.name) ? r : { ...r, seq: 0 }))
    .map((r) => {
      if (r.params === undefined || Object.keys(r.params).length > 0) return r;
      const { params: _empty, ...withoutParams } = r;
      return withoutParams;
    });
}

/** Task records without their seq: which copy of a logged task transition came first is the network's choice. */
function withoutTaskSeq(records: readonly TransitionRecord[]): TransitionRecord[] {
  return records.map((r) => (r.task === undefined ? r : { ...r, seq: 0 }));
}

function sorted(records: readonly TransitionRecord[]): string[] {
  return records.map((r) => JSON.stringify(r)).sort();
}

describe.each(['http/protobuf', 'http/json'])('ingest of a flowtel run exported in %s', (protocol) => {
  let receiver: IngestReceiver;
  let recorded: TransitionRecord[];
  let exitCode: number | null;

  beforeAll(async () => {
    receiver = await startIngestReceiver();
    const cwd = tempDir('flowtel-ingest-');
    const file = join(cwd, 'run.jsonl');
    const result = await runCli(['run', FIXTURE, '--record', file], {
      cwd,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    exitCode = result.code;
    recorded = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TransitionRecord);
  }, 60_000);
  afterAll(async () => {
    await receiver.close();
  });

  it('delivers, as they arrive, the transitions the --record file holds, each once', () => {
    expect(exitCode).toBe(1);
    expect(sorted(withoutTaskSeq(receiver.transitions))).toEqual(
      sorted(withoutTaskSeq(expectedFrom(recorded))),
    );
    expect(receiver.ingest.stats().waitingSpans).toBe(0);
  });

  it('rebuilds the records exactly, seq included, when the log records come before the spans', () => {
    const fresh = collectingIngest();
    fresh.ingest.logs(receiver.logs);
    fresh.ingest.spans(receiver.spans);

    expect(sorted(fresh.transitions)).toEqual(sorted(expectedFrom(recorded)));
    expect(fresh.ingest.stats().duplicates).toBeGreaterThan(0);
  });

  it('still has the whole run, tasks in their flow runs, when every log record was lost', () => {
    const fresh = collectingIngest();
    fresh.ingest.spans(receiver.spans);

    expect(sorted(withoutTaskSeq(fresh.transitions))).toEqual(sorted(withoutTaskSeq(expectedFrom(recorded))));
    // A run's end comes after its tasks' (the history takes what comes after a run's end as late).
    const end = fresh.transitions.findIndex(
      (r) => r.flow === 'nightly-orders' && r.task === undefined && r.state.type === 'FAILED',
    );
    const lastTask = fresh.transitions.findLastIndex(
      (r) => r.flow === 'nightly-orders' && r.task !== undefined,
    );
    expect(lastTask).toBeLessThan(end);
    const flowRecords = fresh.transitions.filter((r) => r.task === undefined);
    expect(sorted(flowRecords)).toEqual(sorted(expectedFrom(recorded).filter((r) => r.task === undefined)));
  });

  it('delivers nothing twice when the spans come first and a batch is sent again', () => {
    const fresh = collectingIngest();
    fresh.ingest.spans(receiver.spans);
    fresh.ingest.logs(receiver.logs);
    fresh.ingest.spans(receiver.spans);
    fresh.ingest.logs(receiver.logs);

    expect(sorted(withoutTaskSeq(fresh.transitions))).toEqual(sorted(withoutTaskSeq(expectedFrom(recorded))));
  });

  it('hears a heartbeat as soon as the run starts, with the interval it announced', () => {
    const root = recorded.find((r) => r.flow === 'nightly-orders');
    expect(receiver.heartbeats).toContainEqual(
      expect.objectContaining({ runId: root?.flowRunId, flow: 'nightly-orders', intervalMs: 30_000 }),
    );
    expect(receiver.ingest.stats().received.spans).toBe(receiver.spans.length);
  });
});

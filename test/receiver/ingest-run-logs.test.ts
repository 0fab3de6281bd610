import { describe, expect, it } from 'vitest';
import { createIngest, type RunLogRecord } from '../../src/receiver/ingest/index.ts';
import type { DecodedLogRecord } from '../../src/receiver/otlp/index.ts';
import { Attr, EventName } from '../../src/telemetry/keys.ts';

/** Run logs (`flowtel.log` records of a flow run) handed on by ingest, read leniently. */

function logRecord(extra: Partial<DecodedLogRecord> = {}): DecodedLogRecord {
  return {
    timeUnixNano: BigInt(Date.parse('2026-11-25T02:00:00Z')) * 1_000_000n,
    observedTimeUnixNano: 0n,
    severityNumber: 13,
    body: 'fetched orders',
    attributes: {},
    eventName: EventName.LOG,
    flags: 0,
    resource: {},
    scope: { name: 'flowtel', attributes: {} },
    ...extra,
  } as DecodedLogRecord;
}

function ingestLogs(records: DecodedLogRecord[]): { logs: RunLogRecord[]; rejected: number } {
  const logs: RunLogRecord[] = [];
  const ingest = createIngest({
    onTransition: () => {},
    onHeartbeat: () => {},
    onRunLog: (log) => void logs.push(log),
  });
  return { logs, rejected: ingest.logs(records).rejected };
}

describe('run logs in OTLP ingest', () => {
  it("hand on a run's log with its task, attempt, level and flat attributes", () => {
    const { logs, rejected } = ingestLogs([
      logRecord({
        attributes: {
          [Attr.PIPELINE_NAME]: 'orders',
          [Attr.PIPELINE_RUN_ID]: 'run-1',
          [Attr.TASK_NAME]: 'load',
          [Attr.TASK_RUN_ID]: 'task-1',
          [Attr.ATTEMPT]: 2,
          count: 40,
          big: 12345678901234567890n,
          nested: { a: [1, 'x'] },
        },
      }),
    ]);
    expect(rejected).toBe(0);
    expect(logs).toEqual([
      {
        runId: 'run-1',
        atMs: Date.parse('2026-11-25T02:00:00Z'),
        level: 'WARN',
        body: 'fetched orders',
        task: 'load',
        taskRunId: 'task-1',
        attempt: 2,
        attributes: { count: 40, big: '12345678901234567890', nested: '{"a":[1,"x"]}' },
      },
    ]);
  });

  it('map severities to four levels, and pass over logs of no run, refusing none', () => {
    const run = { [Attr.PIPELINE_RUN_ID]: 'run-1' };
    const { logs, rejected } = ingestLogs([
      logRecord({ severityNumber: 5, attributes: run }),
      logRecord({ severityNumber: 9, attributes: run }),
      logRecord({ severityNumber: 0, attributes: run }),
      logRecord({ severityNumber: 21, attributes: run, body: { structured: true } }),
      logRecord({ attributes: { [Attr.PIPELINE_RUN_ID]: 7, [Attr.ATTEMPT]: 'two' } }),
      logRecord({ attributes: {} }),
      logRecord({ eventName: 'something.else', attributes: run }),
    ]);
    expect(rejected).toBe(0);
    expect(logs.map((log) => log.level)).toEqual(['DEBUG', 'INFO', 'INFO', 'ERROR']);
    expect(logs[3]!.body).toBe('{"structured":true}');
  });
});

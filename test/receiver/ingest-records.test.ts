import { describe, expect, it } from 'vitest';
import type { Attributes, AttrValue, DecodedLogRecord, DecodedSpan } from '../../src/receiver/otlp/index.ts';
import { RECORD_FIELDS } from '../../src/runtime/transition-record.ts';
import { collectingIngest } from './ingest-harness.ts';

const scope = { name: 'flowtel', attributes: {} };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const AT = 1_764_640_800_000_000_000n;

function logRecord(attributes: Attributes, timeUnixNano = AT): DecodedLogRecord {
  return {
    timeUnixNano,
    observedTimeUnixNano: 0n,
    severityNumber: 9,
    body: 'x',
    attributes,
    eventName: 'flowtel.state',
    traceId: TRACE_ID,
    spanId: '00f067aa0ba902b7',
    flags: 1,
    resource: {},
    scope,
  };
}

const finalFlowAttributes: Attributes = {
  'flowtel.seq': 9,
  'cicd.pipeline.name': 'child',
  'cicd.pipeline.run.id': 'run-2',
  'flowtel.attempt': 1,
  'flowtel.state.type': 'FAILED',
  'flowtel.state.name': 'Failed',
  'flowtel.state.message': 'TypeError: boom',
  'error.type': 'TypeError',
  'flowtel.error.message': 'boom',
  'flowtel.flow.tags': ['orders'],
  'flowtel.flow.scheduled_time': '2026-12-02T02:00:00.000Z',
  'flowtel.parameter.day': '2026-12-01',
  'flowtel.flow.parent_run_id': 'run-1',
  'flowtel.started_at': '2026-12-02T02:00:01.000Z',
};

function flowSpan(attributes: Attributes, eventAttributes: Attributes, time = AT): DecodedSpan {
  return {
    traceId: TRACE_ID,
    spanId: 'eee19b7ec3c1b174',
    flags: 1,
    name: 'flow child',
    kind: 2,
    startTimeUnixNano: time,
    endTimeUnixNano: time,
    attributes,
    events: [{ name: 'flowtel.state', timeUnixNano: time, attributes: eventAttributes }],
    links: [],
    status: { code: 2, message: 'TypeError: boom' },
    resource: {},
    scope,
  };
}

describe('the records ingest makes', () => {
  it('hold their fields in the order of a --record line', () => {
    const { ingest, transitions } = collectingIngest();
    ingest.logs([
      logRecord(finalFlowAttributes),
      logRecord({
        'flowtel.seq': 4,
        'cicd.pipeline.name': 'child',
        'cicd.pipeline.run.id': 'run-2',
        'cicd.pipeline.task.name': 'load',
        'cicd.pipeline.task.run.id': 'task-1',
        'flowtel.attempt': 2,
        'flowtel.state.type': 'SCHEDULED',
        'flowtel.state.name': 'AwaitingRetry',
        'flowtel.state.message': 'attempt 2 failed (Error: reset); retrying in 5 ms',
        'error.type': 'Error',
        'flowtel.error.message': 'reset',
      }),
    ]);
    const order = Object.keys(RECORD_FIELDS);

    expect(transitions).toHaveLength(2);
    for (const record of transitions) {
      const keys = Object.keys(record);
      expect(keys).toEqual(order.filter((field) => keys.includes(field)));
    }
    expect(Object.keys(transitions[0] ?? {})).toEqual(
      order.filter((field) => !['task', 'taskRunId'].includes(field)),
    );
  });

  it('never throw on values of the wrong kind anywhere, rejecting or passing over each item instead', () => {
    const hostile: AttrValue[] = [
      null,
      -1,
      1.5,
      2n ** 62n,
      '',
      '__proto__',
      'Exploded',
      '2026-13-45T99:00:00Z',
      [],
      ['a', 1],
      { nested: { deeper: 'x' } },
      new Uint8Array([1, 2]),
      true,
      'x'.repeat(70_000),
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const keys = Object.keys(finalFlowAttributes);
    const { ingest } = collectingIngest();
    let items = 0;
    for (let round = 0; round < 500; round++) {
      const attributes: Attributes = { ...finalFlowAttributes };
      for (let n = 0; n < 3; n++) attributes[pick(keys)] = pick(hostile);
      const time = pick([AT, 0n, 2n ** 64n - 1n, 1n]);
      const results = [
        ingest.logs([
          logRecord(attributes, time),
          { ...logRecord(attributes), eventName: 'flowtel.heartbeat' },
        ]),
        ingest.spans([flowSpan(attributes, attributes, time)]),
      ];
      items += 3;
      for (const result of results)
        expect(result.accepted + result.rejected).toBe(result === results[0] ? 2 : 1);
    }

    const { received, rejected } = ingest.stats();
    expect(received.logRecords + received.spans).toBe(items);
    expect(rejected.items['invalid-record']).toBeGreaterThan(0);
    expect(rejected.items['string-too-long']).toBeGreaterThan(0);
  });
});

import { flow, task } from 'flowtel';
import {
  recordTransitions,
  setupTestTelemetry,
  type TestTelemetry,
  TransitionRecordSchema,
} from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => {
  telemetry.reset();
  delete process.env.FLOWTEL_MAX_TASK_SPANS;
});
afterAll(() => telemetry.shutdown());

/** The key order of a `--record` line, as the README documents it (the transition record). */
const DOCUMENTED_ORDER = [
  'v',
  'seq',
  'at',
  'flow',
  'flowRunId',
  'task',
  'taskRunId',
  'attempt',
  'state',
  'message',
  'error',
  'traceId',
  'spanId',
  'tags',
  'scheduledAt',
  'params',
  'parentFlowRunId',
  'startedAt',
];

async function recorded(run: () => Promise<unknown>) {
  const recorder = recordTransitions();
  try {
    await run();
  } finally {
    recorder.stop();
  }
  return recorder.records;
}

function inDocumentedOrder(keys: string[]): boolean {
  const positions = keys.map((key) => DOCUMENTED_ORDER.indexOf(key));
  return positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1)));
}

describe('transition records as --record writes them', () => {
  it('writes every field in the documented order, leaving out absent ones, and the schema reads them back', async () => {
    const broken = task('broken', () => {
      throw new TypeError('bad row');
    });
    const fine = task('fine', () => 1);
    const records = await recorded(() =>
      flow({ name: 'lines', tags: ['orders'], params: z.object({ day: z.string() }) }, async () => {
        await fine();
        await broken().catch(() => {});
      }).run({ day: '2026-11-24' }, { scheduledAt: '2026-11-24T02:00:00Z' }),
    );

    const lines = records.map((r) => JSON.stringify(r));
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of parsed) {
      expect(inDocumentedOrder(Object.keys(line)), Object.keys(line).join(',')).toBe(true);
      expect(TransitionRecordSchema.parse(line)).toEqual(line);
    }
    const [pending, running] = parsed;
    expect(Object.keys(pending ?? {})).toEqual([
      'v',
      'seq',
      'at',
      'flow',
      'flowRunId',
      'attempt',
      'state',
      'traceId',
      'spanId',
      'tags',
      'scheduledAt',
    ]);
    expect(running).toMatchObject({ params: { day: '2026-11-24' }, scheduledAt: '2026-11-24T02:00:00.000Z' });
    const failed = parsed.find((r) => r.task === 'broken' && (r.state as { name: string }).name === 'Failed');
    // A final task transition: every documented key up to `scheduledAt`, none of the flow-run ones
    // after it but its start (for its duration), no later than its end.
    expect(Object.keys(failed ?? {})).toEqual([
      ...DOCUMENTED_ORDER.slice(0, DOCUMENTED_ORDER.indexOf('scheduledAt') + 1),
      'startedAt',
    ]);
    expect(Date.parse(String(failed?.startedAt))).toBeLessThanOrEqual(Date.parse(String(failed?.at)));
    expect(failed).toMatchObject({
      message: 'TypeError: bad row',
      error: { type: 'TypeError', message: 'bad row' },
    });
    expect(parsed.at(-1)).toMatchObject({ state: { type: 'COMPLETED', name: 'Completed' } });
    expect(parsed.at(-1)?.startedAt).toBe(running?.at);
  });

  it('reads the same later as when it was made, though its costly fields are made on first read', async () => {
    // Past the span budget a task run starts without a span and gets one only once it fails.
    process.env.FLOWTEL_MAX_TASK_SPANS = '1';
    const fine = task('fine', () => 1);
    const broken = task('broken', () => {
      throw new Error('late span');
    });
    const records = await recorded(() =>
      flow({ name: 'later' }, async () => {
        await fine();
        await broken().catch(() => {});
      }).run(),
    );

    const ofBroken = records.filter((r) => r.task === 'broken');
    const [pending, , failed] = ofBroken;
    expect(ofBroken.map((r) => r.state.name)).toEqual(['Pending', 'Running', 'Failed']);
    // Read only now, after the run: the Pending record still says it had no span then.
    expect(pending?.spanId).toBeUndefined();
    expect(failed?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(pending?.taskRunId).toBe(failed?.taskRunId);
    expect(Date.parse(pending?.at ?? '')).toBe(Math.floor(pending?.atMs ?? 0));
    expect(pending?.atMs).toBeLessThanOrEqual(failed?.atMs ?? 0);
  });

  it('numbers the task runs of a flow run and shares one frozen state object per state name', async () => {
    const fine = task('fine', () => 1);
    const records = await recorded(() =>
      flow({ name: 'numbered' }, async () => {
        await Promise.all([fine(), fine(), fine()]);
      }).run(),
    );

    const tasks = records.filter((r) => r.task !== undefined);
    expect(new Set(tasks.map((r) => r.taskRunNumber))).toEqual(new Set([1, 2, 3]));
    expect(records.filter((r) => r.task === undefined).map((r) => r.taskRunNumber)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const completed = tasks.filter((r) => r.state.name === 'Completed');
    expect(completed).toHaveLength(3);
    expect(completed[0]?.state).toBe(completed[1]?.state);
    expect(Object.isFrozen(completed[0]?.state)).toBe(true);
  });
});

describe('the transition record schema', () => {
  it('refuses a record, naming every field that is wrong', () => {
    const result = TransitionRecordSchema.safeParse({
      v: 1,
      seq: 1,
      at: 'yesterday',
      attempt: 0,
      state: { type: 'RUNNING', name: 'Completed' },
      tags: [],
      scheduledAt: null,
    });

    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['at', 'attempt', 'state']));
  });
});

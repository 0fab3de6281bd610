import { flow, task } from 'flowtel';
import { setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hub } from '../../src/runtime/hub.ts';

let telemetry: TestTelemetry | undefined;
/** Task runs that asked the export gate whether they may start. */
let asked = 0;

beforeEach(() => {
  hub.backpressure = () => {
    asked++;
    return undefined;
  };
});
afterEach(async () => {
  asked = 0;
  hub.backpressure = undefined;
  delete process.env.FLOWTEL_MAX_TASK_SPANS;
  await telemetry?.shutdown();
  telemetry = undefined;
});

const fine = task('fine', (i: number) => i);

describe('the export gate', () => {
  it('is never asked by the task runs of a flow run that is not traced', async () => {
    const record = await flow({ name: 'untraced' }, async () => {
      for (let i = 0; i < 5; i++) await fine(i);
    }).run();

    expect(record.taskRuns.counts).toEqual({ Completed: 5 });
    expect(asked).toBe(0);
  });

  it('holds only the task runs that will end a span, not those past the span budget', async () => {
    telemetry = setupTestTelemetry();
    process.env.FLOWTEL_MAX_TASK_SPANS = '2';
    const record = await flow({ name: 'past-budget' }, async () => {
      for (let i = 0; i < 5; i++) await fine(i);
    }).run();

    expect(record.taskRuns.counts).toEqual({ Completed: 5 });
    expect(telemetry.spans().filter((s) => s.name === 'task fine')).toHaveLength(2);
    expect(asked).toBe(2);
  });
});

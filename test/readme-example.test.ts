import { FlowRunError } from 'flowtel';
import { describe, expect, it } from 'vitest';
import { nightlyOrders } from '../examples/nightly-orders.ts';

describe("the README's API example", () => {
  it('runs as written: the call returns the result, .run() the run record', async () => {
    expect(await nightlyOrders({ day: '2026-11-24' })).toBe(250);
    const run = await nightlyOrders.run({ day: '2026-11-24' });
    expect(run.state.type).toBe('COMPLETED');
    expect(run.result).toBe(250);
    expect(run.taskRuns.counts).toEqual({ Completed: 4 });
  });

  it('throws a typed FlowRunError for invalid parameters', async () => {
    const error = await nightlyOrders({ day: 20261124 as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowRunError);
    expect((error as FlowRunError).state.name).toBe('Failed');
  });
});

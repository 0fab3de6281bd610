import { flow, task } from 'flowtel';
import { recordTransitions, setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Attr } from '../../src/telemetry/keys.ts';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

describe('a run id chosen by the caller', () => {
  it('is the id of the run record, of every transition and of the span; subflows get their own', async () => {
    const child = flow({ name: 'child' }, () => 1);
    const parent = flow({ name: 'parent' }, () => child());
    const recorder = recordTransitions();
    const record = await parent.run(undefined, { flowRunId: '6f1c2a9e-3b7d-4c1e-9a51-2f0d8e4b7c63' });
    recorder.stop();

    expect(record.state.name).toBe('Completed');
    expect(record.flowRunId).toBe('6f1c2a9e-3b7d-4c1e-9a51-2f0d8e4b7c63');
    const ofParent = recorder.records.filter((r) => r.flow === 'parent');
    expect(ofParent.map((r) => r.flowRunId)).toEqual(ofParent.map(() => record.flowRunId));
    const childIds = new Set(recorder.records.filter((r) => r.flow === 'child').map((r) => r.flowRunId));
    expect(childIds.size).toBe(1);
    expect(childIds.has(record.flowRunId)).toBe(false);
    const span = telemetry.spans().find((s) => s.name === 'flow parent');
    expect(span?.attributes[Attr.PIPELINE_RUN_ID]).toBe(record.flowRunId);
  });

  it('takes a token of letters, digits, dots, dashes and underscores', async () => {
    const record = await flow({ name: 'tokens' }, () => 1).run(undefined, {
      flowRunId: 'nightly_2026-11-25.1',
    });
    expect(record.flowRunId).toBe('nightly_2026-11-25.1');
  });

  it('ends the run Failed under a new id when the id is not safe to carry, and runs nothing', async () => {
    let ran = false;
    const touch = task('touch', () => {
      ran = true;
    });
    const record = await flow({ name: 'unsafe' }, () => touch()).run(undefined, {
      flowRunId: '../../etc/passwd',
    });
    expect(ran).toBe(false);
    expect(record.state.name).toBe('Failed');
    expect(record.state.message).toContain('flowRunId must be a UUID or a token');
    expect(record.state.message).toContain('"../../etc/passwd"');
    expect(record.flowRunId).not.toBe('../../etc/passwd');
    expect(record.flowRunId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

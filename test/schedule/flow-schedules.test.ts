import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../src/errors.ts';
import { resolveFlowOptions } from '../../src/runtime/flow-options.ts';
import { type SchedulingOptions, toSchedulableFlow } from '../../src/schedule/flow-schedules.ts';

const resolve = (options: SchedulingOptions) => resolveFlowOptions({ name: 'etl', ...options });
const refusal = (options: SchedulingOptions) => {
  try {
    resolve(options);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    return (error as Error).message;
  }
  throw new Error('the options were accepted');
};

describe('what a flow declares about its schedules', () => {
  it('gives each schedule an id: its name, else a description that stays as it was for one cron or interval', () => {
    const { schedules } = resolve({
      schedule: [
        { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
        { cron: '*/5 * * * *' },
        { interval: '30s' },
        { interval: 3_600_000, anchor: '2026-01-01T00:15:00Z' },
        { at: new Date('2026-12-02T10:00:00Z') },
        { name: 'month-end', at: '2026-12-31T23:00:00+01:00', params: { day: '2026-12-31' } },
      ],
    });
    expect(schedules.map((s) => s.id)).toEqual([
      'cron 0 2 * * * Europe/Berlin',
      'cron */5 * * * * UTC',
      'every 30s',
      'every 1h from 2026-01-01T00:15:00.000Z',
      'at 2026-12-02T10:00:00.000Z',
      'month-end',
    ]);
    expect(schedules.at(-1)).toEqual({
      id: 'month-end',
      spec: { at: '2026-12-31T22:00:00.000Z' },
      params: { day: '2026-12-31' },
    });
  });

  it("defaults to overlap 'skip' with one run at a time and catchUp 'skip'; 'allow' has no limit unless given", () => {
    expect(resolve({ schedule: { interval: '1m' } })).toMatchObject({
      overlap: 'skip',
      concurrency: 1,
      catchUp: 'skip',
    });
    expect(resolve({ overlap: 'allow' }).concurrency).toBeNull();
    expect(resolve({ overlap: 'allow', concurrency: 3 }).concurrency).toBe(3);
    expect(resolve({}).schedules).toEqual([]);
  });

  it('is plain data for serve: the same after a trip through JSON', () => {
    const schedulable = toSchedulableFlow(
      resolve({ schedule: [{ at: new Date('2026-12-02T10:00:00Z'), params: { n: 1 } }, { interval: '1h' }] }),
    );
    expect(JSON.parse(JSON.stringify(schedulable))).toEqual(schedulable);
    expect(Object.keys(schedulable)).toEqual(['name', 'schedules', 'overlap', 'concurrency', 'catchUp']);
  });

  describe('refuses, naming the flow, the field and the value', () => {
    it.each([
      [
        { schedule: { cron: '61 * * * *' } },
        /^flow 'etl': schedule\.cron is not a valid cron expression \(.+\), got '61 \* \* \* \*'$/,
      ],
      [
        { schedule: [{ interval: '1h' }, { cron: '0 2 * * *', timezone: 'Europe/Berlln' }] },
        "flow 'etl': schedule[1].timezone must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got 'Europe/Berlln'",
      ],
      [{ schedule: { interval: 0 } }, "flow 'etl': schedule.interval must be above 0, got 0"],
      [
        { schedule: { interval: 'soon' } },
        /^flow 'etl': schedule\.interval must be a duration .*, got 'soon'$/,
      ],
      [
        { schedule: { at: 'tomorrow' } },
        "flow 'etl': schedule.at must be a Date, epoch milliseconds or an ISO time with a zone such as '2026-12-02T10:00:00Z', got 'tomorrow'",
      ],
      [
        { schedule: { at: '2026-12-02T10:00:00' } },
        /schedule\.at must be .* with a zone .*, got '2026-12-02T10:00:00'$/,
      ],
      [{ schedule: { at: new Date('nope') } }, /schedule\.at must be .*, got an invalid Date$/],
      [{ schedule: { interval: '1h', anchor: 'noon' } }, /schedule\.anchor must be .*, got 'noon'$/],
      [
        { schedule: { every: '1h' } as never },
        /^flow 'etl': schedule must have a cron, an interval or an at/,
      ],
      [
        { schedule: { interval: '1h', params: [1] as never } },
        "flow 'etl': schedule.params must be an object of parameters, got [1]",
      ],
      [
        { schedule: [{ interval: '1h' }, { interval: '60m' }] },
        "flow 'etl': schedule[1] has the id 'every 1h' of schedule[0]: give one of them a different name",
      ],
      [
        { overlap: 'sometimes' as never },
        `flow 'etl': overlap must be 'skip', 'queue' or 'allow', got "sometimes"`,
      ],
      [{ catchUp: 'all' as never }, `flow 'etl': catchUp must be 'skip' or 'run-once', got "all"`],
      [{ concurrency: 0 }, "flow 'etl': concurrency must be a whole number of at least 1, got 0"],
    ] as [SchedulingOptions, string | RegExp][])('%j', (options, message) => {
      expect(refusal(options)).toMatch(message);
    });
  });
});

import { expect, describe as group, it } from 'vitest';
import { compileSchedule } from '../../src/schedule/slots.ts';
import { flowRun, harness } from './helpers.ts';

const lateRule = (cron: string, timezone: string, grace = '15m') => ({
  rules: [
    {
      name: 'late',
      when: { type: 'flow-late' as const, flow: 'etl', cron, timezone, grace: grace as '15m' },
    },
  ],
});

/** The times (UTC) the late alert fired, walking the clock over a day. */
function firings(h: ReturnType<typeof harness>, until: string): string[] {
  h.clock.advanceTo(until);
  return h.sent.filter((n) => n.kind === 'firing').map((n) => n.createdAt);
}

group('flow-late', () => {
  it('fires at scheduled time + grace when no run started, and the resolution counts the missed slots', () => {
    const h = harness(lateRule('0 2 * * *', 'Europe/Berlin'), '2026-11-24T12:00:00Z');
    h.clock.advanceTo('2026-11-25T01:14:59Z');
    expect(h.sent).toEqual([]);
    h.clock.advanceTo('2026-11-25T01:15:00Z'); // 02:00 in Berlin (CET, UTC+1) + 15m
    expect(h.sent.map((n) => n.kind)).toEqual(['firing']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe(
      'etl has not started: it was due at 2026-11-25T01:00:00.000Z, 15m grace',
    );
    expect(h.sent[0]?.alerts[0]?.labels).toEqual({ flow: 'etl', schedule: 'cron 0 2 * * * Europe/Berlin' });

    h.clock.advanceTo('2026-11-26T01:15:00Z'); // the next night's slot is missed too: still one alert
    const news = () => h.sent.filter((n) => n.kind !== 'repeat').map((n) => n.kind);
    expect(news()).toEqual(['firing']);
    expect(h.engine.alerts()[0]?.facts.missedSlots).toBe(2);
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-26T08:00:00Z'));
    expect(news()).toEqual(['firing', 'resolved']);
    const resolved = h.sent.at(-1)?.alerts[0];
    expect(resolved?.facts.missedSlots).toBe(2);
    expect(resolved?.summary).toBe('etl started at 2026-11-26T08:00:00Z; 2 scheduled runs were missed');
  });

  it('stays quiet when a run starts within the grace period', () => {
    const h = harness(lateRule('0 2 * * *', 'Europe/Berlin'), '2026-11-24T12:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T01:05:00Z'));
    h.clock.advanceTo('2026-11-25T12:00:00Z');
    expect(h.sent).toEqual([]);
  });

  it('counts a run that started a moment before its slot (clock skew) when it carries the slot as scheduledAt', () => {
    const h = harness(lateRule('0 2 * * *', 'UTC', '1m'), '2026-11-24T12:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T01:59:59Z', { scheduledAt: '2026-11-25T02:00:00Z' }));
    h.clock.advanceTo('2026-11-25T12:00:00Z');
    expect(h.sent).toEqual([]);
  });

  it('watches schedules registered by flows for rules without their own', () => {
    const h = harness({ rules: [{ name: 'late', when: { type: 'flow-late', flow: 'etl*', grace: '5m' } }] });
    h.engine.registerSchedule('etl-hourly', { interval: '1h' });
    h.engine.registerSchedule('other', { interval: '1h' });
    h.clock.advanceTo('2026-11-25T01:05:00Z');
    expect(h.sent[0]?.alerts[0]?.labels).toEqual({ flow: 'etl-hourly', schedule: 'every 1h' });
    expect(h.sent).toHaveLength(1);
  });

  it('watches only the latest schedule a flow declares, and resolves what the old one fired', () => {
    const rules = {
      rules: [{ name: 'late', when: { type: 'flow-late' as const, flow: 'etl', grace: '5m' as const } }],
    };
    const h = harness(rules, '2026-11-25T00:30:00Z');
    h.engine.registerSchedule('etl', { interval: '1h' });
    h.clock.advanceTo('2026-11-25T01:10:00Z');
    h.engine.registerSchedule('etl', { interval: '1h' }); // the same again: nothing changes
    h.engine.registerSchedule('etl', { interval: '2h' });
    h.clock.advanceTo('2026-11-25T04:10:00Z');
    expect(h.log()).toEqual([
      '01:05:00 firing late flow=etl',
      '01:10:00 resolved late flow=etl',
      '02:05:00 firing late flow=etl',
    ]);
    expect(h.sent[1]?.alerts[0]?.summary).toBe(
      'etl is now scheduled every 2h; every 1h is no longer watched',
    );
    expect(h.sent[2]?.alerts[0]?.labels.schedule).toBe('every 2h');
  });

  it('watches each of several schedules of a flow as its own alert, labelled with its name or description', () => {
    const rules = {
      rules: [{ name: 'late', when: { type: 'flow-late' as const, flow: 'etl', grace: '5m' as const } }],
    };
    const h = harness(rules, '2026-11-25T00:30:00Z');
    h.engine.registerSchedule('etl', [{ interval: '1h' }, { name: 'nightly', cron: '0 3 * * *' }]);
    h.clock.advanceTo('2026-11-25T01:05:00Z');
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T01:10:00Z'));
    h.clock.advanceTo('2026-11-25T03:05:00Z');
    expect(h.log()).toEqual([
      '01:05:00 firing late flow=etl',
      '01:10:00 resolved late flow=etl',
      '02:05:00 firing late flow=etl',
      '03:05:00 firing late flow=etl',
    ]);
    expect(h.engine.alerts().map((a) => a.labels.schedule)).toEqual(['every 1h', 'nightly']);
  });

  it('resolves the alert of a schedule the flow no longer declares', () => {
    const rules = {
      rules: [{ name: 'late', when: { type: 'flow-late' as const, flow: 'etl', grace: '5m' as const } }],
    };
    const h = harness(rules, '2026-11-25T00:30:00Z');
    h.engine.registerSchedule('etl', { interval: '1h' });
    h.clock.advanceTo('2026-11-25T01:10:00Z');
    h.engine.registerSchedule('etl', []);
    h.clock.advanceTo('2026-11-25T04:00:00Z');
    expect(h.log()).toEqual(['01:05:00 firing late flow=etl', '01:10:00 resolved late flow=etl']);
    expect(h.sent[1]?.alerts[0]?.summary).toBe('etl declares no schedule; every 1h is no longer watched');
  });

  group('seeded with when the flow last started (serve reads it from its history on start)', () => {
    const rules = {
      rules: [{ name: 'late', when: { type: 'flow-late' as const, flow: 'etl', grace: '5m' as const } }],
    };

    it('fires at once for the slots missed while nothing watched, and says how many', () => {
      const h = harness(rules, '2026-11-25T05:30:00Z');
      h.engine.registerSchedule(
        'etl',
        { interval: '1h' },
        { lastStartedAt: Date.parse('2026-11-25T01:30:00Z') },
      );
      h.engine.flush();
      expect(h.log()).toEqual(['05:30:00 firing late flow=etl']);
      // The slots 02:00 to 05:00, each past its 5 minutes of grace.
      expect(h.sent[0]?.alerts[0]?.summary).toBe(
        'etl has not started: it was due at 2026-11-25T05:00:00.000Z, 5m grace (4 scheduled runs missed)',
      );
      h.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T05:40:00Z'));
      expect(h.sent.at(-1)?.alerts[0]?.summary).toBe(
        'etl started at 2026-11-25T05:40:00Z; 4 scheduled runs were missed',
      );
    });

    it('stays quiet when the last start satisfied every slot whose deadline has passed', () => {
      const h = harness(rules, '2026-11-25T05:30:00Z');
      h.engine.registerSchedule(
        'etl',
        { interval: '1h' },
        { lastStartedAt: Date.parse('2026-11-25T05:01:00Z') },
      );
      h.clock.advanceTo('2026-11-25T06:04:59Z');
      expect(h.sent).toEqual([]);
      h.clock.advanceTo('2026-11-25T06:05:00Z');
      expect(h.log()).toEqual(['06:05:00 firing late flow=etl']);
    });

    it('judges, within its grace, a slot that came just before the engine started', () => {
      const h = harness(rules, '2026-11-25T05:02:00Z');
      h.engine.registerSchedule(
        'etl',
        { interval: '1h' },
        { lastStartedAt: Date.parse('2026-11-25T04:01:00Z') },
      );
      h.clock.advanceTo('2026-11-25T05:05:00Z');
      expect(h.log()).toEqual(['05:05:00 firing late flow=etl']);
    });
  });

  it('warns once when a matching flow runs without the schedule the rule relies on', () => {
    const h = harness({
      rules: [
        { name: 'late', when: { type: 'flow-late', flow: 'etl*', grace: '5m' } },
        { name: 'own', when: { type: 'flow-late', flow: 'etl', interval: '1h' } },
      ],
    });
    h.engine.registerSchedule('etl-hourly', { interval: '1h' });
    h.feed(
      flowRun('etl', 'r1', 'Running', '2026-11-25T00:10:00Z'),
      flowRun('etl', 'r2', 'Running', '2026-11-25T00:20:00Z'),
      flowRun('etl-hourly', 'r3', 'Running', '2026-11-25T00:30:00Z'),
      flowRun('other', 'r4', 'Running', '2026-11-25T00:40:00Z'),
    );
    expect(h.warnings).toEqual([
      "flow-late rule 'late' cannot judge flow 'etl': the flow declares no schedule; declare one with flow({ schedule }) or give the rule a cron or interval",
    ]);
  });

  it('says in each repeat how many slots were missed by then, counted when the repeat is sent', () => {
    const h = harness({
      rules: [{ name: 'late', when: { type: 'flow-late', flow: 'etl', interval: '1m', grace: '5m' } }],
    });
    h.clock.advanceTo('2026-11-25T04:05:00Z');
    expect(h.log()).toEqual(['00:05:00 firing late flow=etl', '04:05:00 repeat late flow=etl']);
    // The slots 00:00 to 04:00, each past its 5 minutes of grace.
    expect(h.sent[1]?.alerts[0]?.summary).toBe(
      'etl has not started: it was due at 2026-11-25T04:00:00.000Z, 5m grace (241 scheduled runs missed)',
    );
    expect(h.sent[1]?.alerts[0]?.facts.missedSlots).toBe(241);
    h.clock.advanceTo('2026-11-25T04:35:30Z');
    expect(h.engine.alerts()[0]?.facts.missedSlots).toBe(271); // read between repeats: counted then
  });

  it('stops counting a cron missed more than 1,000 times and says "more than"', () => {
    const h = harness({
      rules: [{ name: 'late', when: { type: 'flow-late', flow: 'etl', cron: '* * * * * *', grace: '1m' } }],
    });
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-26T00:00:00Z'));
    h.engine.flush();
    const [firing, resolved] = h.sent.filter((n) => n.kind !== 'repeat');
    expect(firing?.alerts[0]?.summary).toBe(
      'etl has not started: it was due at 2026-11-25T00:00:00.000Z, 1m grace',
    );
    expect(resolved?.alerts[0]?.summary).toBe(
      'etl started at 2026-11-26T00:00:00Z; more than 1000 scheduled runs were missed',
    );
    const repeat = h.sent.find((n) => n.kind === 'repeat')?.alerts[0];
    expect(repeat?.summary).toBe(
      'etl has not started: it was due at 2026-11-25T04:00:00.000Z, 1m grace (more than 1000 scheduled runs missed)',
    );
  });

  group('a schedule counts its slots', () => {
    it('an interval in closed form, however many there are', () => {
      const schedule = compileSchedule({ interval: '1s', anchor: '2026-01-01T00:00:00Z' });
      const start = Date.parse('2026-01-01T00:00:00Z');
      const tenYears = 3650 * 86_400_000;
      expect(schedule.count(start - 1, start + tenYears, 10)).toEqual({
        count: 3650 * 86_400 + 1,
        last: start + tenYears,
        more: false,
      });
      expect(schedule.count(start - 5000, start - 1, 10)).toEqual({ count: 0, last: undefined, more: false });
      expect(schedule.previous(start + 1500)).toBe(start + 1000);
      expect(schedule.previous(start - 1)).toBeUndefined();
    });

    it('a cron by walking, up to a limit', () => {
      const schedule = compileSchedule({ cron: '*/10 * * * * *' });
      const start = Date.parse('2026-01-01T00:00:00Z');
      expect(schedule.count(start, start + 60_000, 100)).toEqual({
        count: 6,
        last: start + 60_000,
        more: false,
      });
      expect(schedule.count(start, start + 60_000, 4)).toEqual({
        count: 4,
        last: start + 40_000,
        more: true,
      });
      expect(schedule.previous(start + 59_999)).toBe(start + 50_000);
    });

    it('a cron looks back to the slots it looks forward to on daylight-saving days', () => {
      for (const [cron, day] of [
        ['30 2 * * *', '2026-10-25'], // Berlin fall back: 02:30 twice, one slot
        ['30 2 * * *', '2026-03-29'], // Berlin spring forward: no 02:30, the slot is 03:00
        ['*/30 * * * *', '2026-10-25'],
      ] as const) {
        const schedule = compileSchedule({ cron, timezone: 'Europe/Berlin' });
        let slot = schedule.next(Date.parse(`${day}T00:00:00Z`) - 86_400_000)!;
        for (let i = 0; i < 8; i++) {
          const after = schedule.next(slot)!;
          expect(schedule.previous(after - 1)).toBe(slot);
          expect(schedule.previous(after)).toBe(after);
          slot = after;
        }
      }
    });
  });

  group('on daylight-saving days', () => {
    it('Europe/Berlin spring forward: 02:30 does not exist, the slot is 03:00 CEST and fires once', () => {
      const h = harness(lateRule('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z');
      expect(firings(h, '2026-03-29T12:00:00Z')).toEqual(['2026-03-29T01:15:00.000Z']);
    });

    it('Europe/Berlin fall back: 02:30 happens twice, the slot is the first one and fires once', () => {
      const h = harness(lateRule('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z');
      expect(firings(h, '2026-10-25T12:00:00Z')).toEqual(['2026-10-25T00:45:00.000Z']);
    });

    it('America/New_York spring forward: 02:30 does not exist, the slot is 03:00 EDT', () => {
      const h = harness(lateRule('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z');
      expect(firings(h, '2026-03-08T12:00:00Z')).toEqual(['2026-03-08T07:15:00.000Z']);
    });

    it('America/New_York fall back: 01:30 happens twice, the slot is the first (EDT) one', () => {
      const h = harness(lateRule('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z');
      expect(firings(h, '2026-11-01T12:00:00Z')).toEqual(['2026-11-01T05:45:00.000Z']);
    });

    it('an every-30-minutes cron judges both 02:00 and 02:30 of the repeated Berlin hour', () => {
      const schedule = compileSchedule({ cron: '*/30 * * * *', timezone: 'Europe/Berlin' });
      const slots: string[] = [];
      let t = Date.parse('2026-10-24T23:59:00Z');
      while (slots.length < 6) {
        t = schedule.next(t)!;
        slots.push(new Date(t).toISOString().slice(11, 16));
      }
      // 00:00Z-01:00Z is 02:00-03:00 CEST, 01:00Z-02:00Z is 02:00-03:00 CET: four slots in the hour that repeats.
      expect(slots).toEqual(['00:00', '00:30', '01:00', '01:30', '02:00', '02:30']);
    });
  });
});

import { expect, describe as group, it } from 'vitest';
import { InMemoryAlertStateStore } from '../../src/alerts/state.ts';
import type { RulesFileInput } from '../../src/rules/schema.ts';
import { flowRun, harness } from './helpers.ts';

const hourly: RulesFileInput = {
  defaults: { repeatInterval: '1h' },
  rules: [{ name: 'failed', when: { type: 'flow-failed' } }],
};

function fingerprintOf(h: ReturnType<typeof harness>, flow: string): string {
  const alert = h.engine.alerts().find((a) => a.labels.flow === flow);
  if (alert === undefined) throw new Error(`no alert for flow ${flow}`);
  return alert.fingerprint;
}

group('acknowledging an alert', () => {
  it('stops its repeats while it fires, and still sends its resolution', () => {
    const h = harness(hourly, '2026-11-25T02:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.clock.advanceTo('2026-11-25T03:10:00Z');
    const acknowledged = h.engine.acknowledge(fingerprintOf(h, 'etl'), h.clock.now());
    expect(acknowledged?.acknowledgedAt).toBe('2026-11-25T03:10:00.000Z');

    h.clock.advanceTo('2026-11-25T07:00:00Z');
    h.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T07:30:00Z'));
    expect(h.log()).toEqual([
      '02:00:00 firing failed flow=etl',
      '03:00:00 repeat failed flow=etl',
      '07:30:00 resolved failed flow=etl',
    ]);
  });

  it('shows the acknowledgement in the alert states', () => {
    const h = harness(hourly, '2026-11-25T02:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.engine.acknowledge(fingerprintOf(h, 'etl'), Date.parse('2026-11-25T02:05:00Z'));
    expect(h.engine.alerts()).toMatchObject([
      { rule: 'failed', status: 'firing', acknowledgedAt: '2026-11-25T02:05:00.000Z' },
    ]);
  });

  it('keeps the first acknowledgement when acknowledged twice', () => {
    const h = harness(hourly, '2026-11-25T02:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    const fingerprint = fingerprintOf(h, 'etl');
    h.engine.acknowledge(fingerprint, Date.parse('2026-11-25T02:05:00Z'));
    const again = h.engine.acknowledge(fingerprint, Date.parse('2026-11-25T02:50:00Z'));
    expect(again?.acknowledgedAt).toBe('2026-11-25T02:05:00.000Z');
  });

  it('goes on repeating the alerts of the same rule nobody acknowledged', () => {
    const h = harness({ ...hourly, defaults: { repeatInterval: '1h', groupWait: '10s' } });
    h.feed(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('billing', 'r2', 'Failed', '2026-11-25T02:00:00Z'),
    );
    h.clock.advanceTo('2026-11-25T02:00:10Z');
    h.engine.acknowledge(fingerprintOf(h, 'etl'), h.clock.now());
    h.clock.advanceTo('2026-11-25T04:00:10Z');
    expect(h.log()).toEqual([
      '02:00:10 firing failed flow=etl flow=billing',
      '03:00:10 repeat failed flow=billing',
      '04:00:10 repeat failed flow=billing',
    ]);
  });

  it('holds for one firing only: when the alert fires again, it repeats again', () => {
    const h = harness(hourly, '2026-11-25T02:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.engine.acknowledge(fingerprintOf(h, 'etl'), h.clock.now());
    h.feed(
      flowRun('etl', 'r2', 'Completed', '2026-11-25T02:30:00Z'),
      flowRun('etl', 'r3', 'Failed', '2026-11-25T05:00:00Z'),
    );
    h.clock.advanceTo('2026-11-25T06:00:00Z');
    expect(h.log()).toEqual([
      '02:00:00 firing failed flow=etl',
      '02:30:00 resolved failed flow=etl',
      '05:00:00 firing failed flow=etl',
      '06:00:00 repeat failed flow=etl',
    ]);
    expect(h.engine.alerts()[0]?.acknowledgedAt).toBeUndefined();
  });

  it('outlives a restart: the next engine does not repeat it either', () => {
    const store = new InMemoryAlertStateStore();
    const first = harness(hourly, '2026-11-25T02:00:00Z', { store });
    first.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    first.engine.acknowledge(fingerprintOf(first, 'etl'), first.clock.now());
    first.engine.close();

    const second = harness(hourly, '2026-11-25T02:30:00Z', { store });
    second.clock.advanceTo('2026-11-25T06:00:00Z');
    second.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T06:10:00Z'));
    expect(second.log()).toEqual(['06:10:00 resolved failed flow=etl']);
  });

  it('finds nothing to acknowledge for an unknown or a resolved alert', () => {
    const h = harness({ ...hourly, defaults: { repeatInterval: '1h', groupWait: '1m' } });
    expect(h.engine.acknowledge('no-such-fingerprint', h.clock.now())).toBeUndefined();
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    const fingerprint = fingerprintOf(h, 'etl');
    h.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T02:00:10Z'));
    expect(h.engine.alerts()[0]?.status).toBe('resolved');
    expect(h.engine.acknowledge(fingerprint, h.clock.now())).toBeUndefined();
  });

  it('leaves the acknowledgement out of the notifications', () => {
    const h = harness(hourly, '2026-11-25T02:00:00Z');
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.engine.acknowledge(fingerprintOf(h, 'etl'), h.clock.now());
    h.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T02:30:00Z'));
    expect(h.sent[1]?.alerts[0]).not.toHaveProperty('acknowledgedAt');
  });
});

import { expect, describe as group, it } from 'vitest';
import type { Notification } from '../../src/alerts/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { startAlerting } from '../../src/rules/alerting.ts';
import { rulesFromFile } from '../../src/rules/resolve.ts';
import { RulesFileSchema } from '../../src/rules/schema.ts';
import { flow } from '../../src/runtime/flow.ts';
import { emitTransition } from '../../src/runtime/hub.ts';
import { flowRun } from './helpers.ts';

const loaded = rulesFromFile(
  RulesFileSchema.parse({
    channels: { data: { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } } },
    defaults: { notify: ['data'], groupWait: '30s' },
    rules: [{ name: 'any-flow-failed', when: { type: 'flow-failed' }, severity: 'critical' }],
  }),
).rules;

group('startAlerting', () => {
  it('evaluates the transitions of this process and flush() sends what groupWait holds', async () => {
    const sent: Notification[] = [];
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const alerting = await startAlerting({ rules: loaded, clock, env: {}, sink: (n) => void sent.push(n) });
    emitTransition(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z', { traceId: 'abc' }));
    expect(sent).toEqual([]);
    await alerting.flush();
    expect(sent.map((n) => `${n.kind} ${n.rule}`)).toEqual(['firing any-flow-failed']);
    await alerting.stop();
    emitTransition(flowRun('etl', 'r2', 'Failed', '2026-11-25T02:05:00Z'));
    expect(sent).toHaveLength(1);
  });

  it('sees nothing when FLOWTEL_ALERTING=off', async () => {
    const sent: Notification[] = [];
    const alerting = await startAlerting({
      rules: loaded,
      clock: new ManualClock(0),
      env: { FLOWTEL_ALERTING: 'off' },
      sink: (n) => void sent.push(n),
    });
    emitTransition(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    await alerting.stop();
    expect(alerting.enabled).toBe(false);
    expect(sent).toEqual([]);
  });

  it('uses FLOWTEL_TRACE_URL for trace links when the rules set none', async () => {
    const sent: Notification[] = [];
    const env = { FLOWTEL_TRACE_URL: 'http://jaeger/trace/{traceId}' };
    const alerting = await startAlerting({
      rules: loaded,
      clock: new ManualClock(0),
      env,
      sink: (n) => void sent.push(n),
    });
    emitTransition(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    await alerting.stop();
    expect(sent[0]?.traceUrlTemplate).toBe('http://jaeger/trace/{traceId}');
  });

  it("takes the trace link from the rules' links.trace over FLOWTEL_TRACE_URL: the rules file wins", async () => {
    const sent: Notification[] = [];
    const rules = { ...loaded, links: { trace: 'http://tempo/trace/{traceId}' } };
    const env = { FLOWTEL_TRACE_URL: 'http://jaeger/trace/{traceId}' };
    const alerting = await startAlerting({
      rules,
      clock: new ManualClock(0),
      env,
      sink: (n) => void sent.push(n),
    });
    emitTransition(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    await alerting.stop();
    expect(sent[0]?.traceUrlTemplate).toBe('http://tempo/trace/{traceId}');
  });

  it('without a sink, says each notification in one line and that nothing was delivered', async () => {
    const warnings: string[] = [];
    const alerting = await startAlerting({
      rules: loaded,
      clock: new ManualClock(0),
      env: {},
      onWarning: (message) => void warnings.push(message),
    });
    emitTransition(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z', { error: { type: 'Error', message: 'boom' } }),
    );
    await alerting.stop();
    expect(warnings).toEqual([
      "rule 'any-flow-failed' firing: etl failed: Error: boom (not delivered: pass a sink to startAlerting)",
    ]);
  });
});

group('startAlerting and flow schedules', () => {
  // Flow schedules are process-wide, so each test names its own flows.
  const late = (flows: string, extra: Record<string, unknown> = {}) =>
    rulesFromFile(
      RulesFileSchema.parse({
        rules: [{ name: 'late', when: { type: 'flow-late', flow: flows, grace: '5m', ...extra } }],
      }),
    ).rules;
  const scheduled = (name: string, schedule: Parameters<typeof flow>[0]['schedule']) =>
    flow({ name, ...(schedule ? { schedule } : {}) }, async () => 1);

  it('watches the schedules of flows defined before and after it starts, for flow-late rules without one', async () => {
    const sent: Notification[] = [];
    const clock = new ManualClock('2026-11-25T00:30:00Z');
    scheduled('sched-before', { interval: '1h' });
    const alerting = await startAlerting({
      rules: late('sched-*'),
      clock,
      env: {},
      sink: (n) => void sent.push(n),
    });
    scheduled('sched-after', { cron: '0 1 * * *', timezone: 'UTC' });
    clock.advanceTo('2026-11-25T01:05:00Z');
    expect(alerting.engine.alerts().map((a) => `${a.labels.flow} ${a.labels.schedule}`)).toEqual([
      'sched-before every 1h',
      'sched-after cron 0 1 * * * UTC',
    ]);
    await alerting.stop();
    expect(sent.map((n) => `${n.kind} ${n.alerts.length}`)).toEqual(['firing 2']); // due together: one message
  });

  it("lets a rule's own schedule win over the flow's", async () => {
    const clock = new ManualClock('2026-11-25T00:30:00Z');
    scheduled('own-wins', { interval: '1h' });
    const rules = late('own-wins', { cron: '0 3 * * *' });
    const alerting = await startAlerting({ rules, clock, env: {}, sink: () => {} });
    clock.advanceTo('2026-11-25T02:00:00Z');
    expect(alerting.engine.alerts()).toEqual([]);
    clock.advanceTo('2026-11-25T03:05:00Z');
    expect(alerting.engine.alerts().map((a) => a.labels.schedule)).toEqual(['cron 0 3 * * * UTC']);
    await alerting.stop();
  });

  it('watches no schedule when FLOWTEL_ALERTING=off: it sees no runs, so every flow would look late', async () => {
    const clock = new ManualClock('2026-11-25T00:30:00Z');
    scheduled('off-hourly', { interval: '1h' });
    const alerting = await startAlerting({
      rules: late('off-*'),
      clock,
      env: { FLOWTEL_ALERTING: 'off' },
      sink: () => {},
    });
    clock.advanceTo('2026-11-25T03:00:00Z');
    expect(alerting.engine.alerts()).toEqual([]);
    await alerting.stop();
  });

  it('watches every schedule a flow declares, each alert labelled with its name or description', async () => {
    const clock = new ManualClock('2026-11-25T00:30:00Z');
    scheduled('multi-late', [{ interval: '1h' }, { name: 'nightly', cron: '0 1 * * *' }]);
    const alerting = await startAlerting({ rules: late('multi-*'), clock, env: {}, sink: () => {} });
    clock.advanceTo('2026-11-25T01:05:00Z');
    expect(alerting.engine.alerts().map((a) => a.labels.schedule)).toEqual(['every 1h', 'nightly']);
    await alerting.stop();
  });

  it('warns when a flow-late rule relies on the schedule of a flow that declares none, as it runs', async () => {
    const warnings: string[] = [];
    const alerting = await startAlerting({
      rules: late('unscheduled'),
      clock: new ManualClock('2026-11-25T00:00:00Z'),
      env: {},
      sink: () => {},
      onWarning: (message) => void warnings.push(message),
    });
    emitTransition(flowRun('unscheduled', 'r1', 'Running', '2026-11-25T00:00:00Z'));
    await alerting.stop();
    expect(warnings).toEqual([
      "flow-late rule 'late' cannot judge flow 'unscheduled': the flow declares no schedule; declare one with flow({ schedule }) or give the rule a cron or interval",
    ]);
  });
});

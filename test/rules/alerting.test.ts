import { expect, describe as group, it } from 'vitest';
import type { Notification } from '../../src/alerts/types.ts';
import { startAlerting } from '../../src/rules/alerting.ts';
import { ManualClock } from '../../src/rules/clock.ts';
import { formatNotification } from '../../src/rules/print.ts';
import { rulesFromFile } from '../../src/rules/resolve.ts';
import { RulesFileSchema } from '../../src/rules/schema.ts';
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
});

group('the printed message', () => {
  it('says what would be sent and names the variable an unconfigured channel needs', async () => {
    const sent: Notification[] = [];
    const env = { FLOWTEL_TRACE_URL: 'http://jaeger/trace/{traceId}' };
    const alerting = await startAlerting({
      rules: loaded,
      clock: new ManualClock(0),
      env,
      sink: (n) => void sent.push(n),
    });
    emitTransition(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z', {
        traceId: 'abc',
        error: { type: 'Error', message: 'failAt=load' },
        startedAt: '2026-11-25T01:59:00Z',
      }),
    );
    await alerting.stop();
    const text = formatNotification(sent[0]!, loaded.channels, {});
    expect(text.split('\n')).toEqual([
      '[flowtel] FIRING any-flow-failed (critical)',
      '  etl failed: Error: failAt=load',
      '    run r1, state Failed, took 1m',
      '    error: Error: failAt=load',
      '    labels: flow=etl',
      '    trace: http://jaeger/trace/abc',
      `    alert id: ${sent[0]?.alerts[0]?.id}`,
      "  channel 'data' is not configured: set SLACK_WEBHOOK_URL",
    ]);
  });
});

import { expect, describe as group, it } from 'vitest';
import { flowRun, harness, taskRun } from './helpers.ts';

const failedAnyFlow = { name: 'failed', when: { type: 'flow-failed' as const } };

group('grouping', () => {
  it('sends alerts of one rule that fire within groupWait as one message', () => {
    const h = harness({ rules: [{ ...failedAnyFlow, groupWait: '30s' }] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Failed', '2026-11-25T02:00:10Z'),
    );
    expect(h.sent).toEqual([]);
    h.clock.advanceTo('2026-11-25T02:00:30Z');
    expect(h.log()).toEqual(['02:00:30 firing failed flow=a flow=b']);
  });

  it('holds later changes until groupInterval after the previous message', () => {
    const h = harness({ rules: [{ ...failedAnyFlow, groupInterval: '5m' }] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Failed', '2026-11-25T02:01:00Z'),
      flowRun('c', 'r3', 'Failed', '2026-11-25T02:02:00Z'),
      flowRun('a', 'r4', 'Completed', '2026-11-25T02:03:00Z'),
    );
    expect(h.log()).toEqual(['02:00:00 firing failed flow=a']);
    h.clock.advanceTo('2026-11-25T02:05:00Z');
    expect(h.log()).toEqual([
      '02:00:00 firing failed flow=a',
      '02:05:00 firing failed flow=b flow=c',
      '02:05:00 resolved failed flow=a',
    ]);
  });

  it('says nothing of an alert that fired and resolved before its first message', () => {
    const h = harness({ rules: [{ ...failedAnyFlow, groupWait: '1m' }] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('a', 'r2', 'Completed', '2026-11-25T02:00:20Z'),
    );
    h.clock.advanceTo('2026-11-25T03:00:00Z');
    expect(h.sent).toEqual([]);
    expect(h.engine.alerts()).toEqual([]);
  });

  it('flush() sends what groupWait still holds', () => {
    const h = harness({ rules: [{ ...failedAnyFlow, groupWait: '1m' }] });
    h.feed(flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.engine.flush();
    expect(h.log()).toEqual(['02:00:00 firing failed flow=a']);
  });

  it('does not send resolutions when sendResolved is false', () => {
    const h = harness({ rules: [{ ...failedAnyFlow, sendResolved: false }] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('a', 'r2', 'Completed', '2026-11-25T03:00:00Z'),
    );
    expect(h.log()).toEqual(['02:00:00 firing failed flow=a']);
    expect(h.engine.alerts()).toEqual([]);
  });
});

group('repeat', () => {
  it('repeats every repeatInterval while the alert fires, and stops once it resolves', () => {
    const h = harness({ defaults: { repeatInterval: '1h' }, rules: [failedAnyFlow] });
    h.feed(flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.clock.advanceTo('2026-11-25T04:30:00Z');
    h.feed(flowRun('a', 'r2', 'Completed', '2026-11-25T04:30:00Z'));
    h.clock.advanceTo('2026-11-25T09:00:00Z');
    expect(h.log()).toEqual([
      '02:00:00 firing failed flow=a',
      '03:00:00 repeat failed flow=a',
      '04:00:00 repeat failed flow=a',
      '04:30:00 resolved failed flow=a',
    ]);
  });
});

group('repeat of several alerts', () => {
  it('does not postpone the repeat of a firing alert when another alert of the rule fires later', () => {
    const h = harness({ defaults: { repeatInterval: '1h' }, rules: [failedAnyFlow] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Failed', '2026-11-25T02:40:00Z'),
    );
    h.clock.advanceTo('2026-11-25T04:00:00Z');
    expect(h.log()).toEqual([
      '02:00:00 firing failed flow=a',
      '02:40:00 firing failed flow=b',
      '03:00:00 repeat failed flow=a flow=b',
      '04:00:00 repeat failed flow=a flow=b',
    ]);
  });
});

group('silences', () => {
  it('suppresses messages but keeps the alert firing, and sends it when the silence ends', () => {
    const h = harness({ rules: [failedAnyFlow] });
    h.engine.addSilence({ matchers: { flow: 'a' }, endsAt: '2026-11-25T03:00:00Z', comment: 'maintenance' });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Failed', '2026-11-25T02:00:00Z'),
    );
    expect(h.log()).toEqual(['02:00:00 firing failed flow=b']);
    expect(h.engine.alerts().map((a) => `${a.labels.flow}:${a.status}`)).toEqual(['a:firing', 'b:firing']);
    h.clock.advanceTo('2026-11-25T03:00:00Z');
    expect(h.log()).toEqual(['02:00:00 firing failed flow=b', '03:00:00 firing failed flow=a']);
  });

  it('drops the resolution of an alert that was silenced all along', () => {
    const h = harness({
      silences: [{ matchers: { rule: 'fail*', labels: { flow: 'a' } }, endsAt: '2026-11-26T00:00:00Z' }],
      rules: [failedAnyFlow],
    });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('a', 'r2', 'Completed', '2026-11-25T02:30:00Z'),
    );
    h.clock.advanceTo('2026-11-26T01:00:00Z');
    expect(h.sent).toEqual([]);
  });

  it('leaves silenced alerts out of repeats', () => {
    const h = harness({ defaults: { repeatInterval: '1h' }, rules: [failedAnyFlow] });
    h.feed(flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    h.engine.addSilence({ matchers: { flow: 'a' }, endsAt: '2026-11-25T05:00:00Z' });
    h.clock.advanceTo('2026-11-25T04:59:00Z');
    expect(h.log()).toEqual(['02:00:00 firing failed flow=a']);
  });
});

group('groupBy', () => {
  it("adds the parameter to the identity: one customer's success does not resolve another's failure", () => {
    const h = harness({ rules: [{ ...failedAnyFlow, groupBy: ['param.customer'] }] });
    h.feed(
      flowRun('orders', 'r1', 'Running', '2026-11-25T02:00:00Z', { params: { customer: 'acme' } }),
      flowRun('orders', 'r1', 'Failed', '2026-11-25T02:01:00Z'),
      flowRun('orders', 'r2', 'Completed', '2026-11-25T02:05:00Z', { params: { customer: 'globex' } }),
    );
    expect(h.engine.alerts().map((a) => a.labels)).toEqual([{ flow: 'orders', 'param.customer': 'acme' }]);
    h.feed(flowRun('orders', 'r3', 'Completed', '2026-11-25T02:10:00Z', { params: { customer: 'acme' } }));
    expect(h.engine.alerts()).toEqual([]);
    expect(h.log().at(-1)).toBe('02:10:00 resolved failed flow=orders,param.customer=acme');
  });
});

group('groupBy error.type', () => {
  const byError = { ...failedAnyFlow, groupBy: ['error.type'] };

  it('keeps one alert per error type, and the next Completed run resolves them all', () => {
    const h = harness({ rules: [byError] });
    h.feed(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z', { error: { type: 'TypeError', message: 'x' } }),
      flowRun('etl', 'r2', 'Failed', '2026-11-25T02:00:00Z', { error: { type: 'RangeError', message: 'y' } }),
    );
    expect(h.engine.alerts().map((a) => a.labels['error.type'])).toEqual(['TypeError', 'RangeError']);
    h.feed(flowRun('etl', 'r3', 'Completed', '2026-11-25T03:00:00Z'));
    expect(h.engine.alerts()).toEqual([]);
    expect(h.log().at(-1)).toBe(
      '03:00:00 resolved failed flow=etl,error.type=TypeError flow=etl,error.type=RangeError',
    );
  });

  it("does not let another flow's success resolve them", () => {
    const h = harness({ rules: [byError] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z', { error: { type: 'TypeError', message: 'x' } }),
      flowRun('b', 'r2', 'Completed', '2026-11-25T03:00:00Z'),
    );
    expect(h.engine.alerts().map((a) => a.status)).toEqual(['firing']);
  });

  it('resolves a retrying task’s alert when the run ends with an error the Retrying record did not carry', () => {
    const h = harness({
      rules: [{ name: 'retry', when: { type: 'task-retrying' }, groupBy: ['error.type'] }],
    });
    h.feed(
      taskRun('etl', 'load', 't1', 'Retrying', '2026-11-25T02:00:00Z', { attempt: 2 }),
      taskRun('etl', 'load', 't1', 'Failed', '2026-11-25T02:00:10Z', {
        attempt: 2,
        error: { type: 'TypeError', message: 'x' },
      }),
    );
    expect(h.engine.alerts().map((a) => a.status)).toEqual(['resolved']);
  });
});

group('labels, severity, annotations and channels', () => {
  it('puts the rule’s labels, severity, annotations, channels and trace link on the notification', () => {
    const h = harness({
      channels: { data: { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } } },
      defaults: { notify: ['data'], labels: { team: 'data' } },
      links: { trace: 'http://jaeger/trace/{traceId}' },
      rules: [{ ...failedAnyFlow, severity: 'critical', annotations: { runbook: 'https://wiki/etl' } }],
    });
    h.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z', { traceId: 'abc' }));
    const [n] = h.sent;
    expect(n?.channels).toEqual(['data']);
    expect(n?.traceUrlTemplate).toBe('http://jaeger/trace/{traceId}');
    expect(n?.alerts[0]).toMatchObject({
      severity: 'critical',
      labels: { team: 'data', flow: 'etl' },
      annotations: { runbook: 'https://wiki/etl' },
      facts: { flow: 'etl', flowRunId: 'r1', traceId: 'abc', state: { type: 'FAILED', name: 'Failed' } },
    });
  });
});

group('many alerts of one rule', () => {
  it('repeats 200,000 firing alerts of one rule (more than a function call may take arguments)', () => {
    const h = harness({
      defaults: { repeatInterval: '1h' },
      rules: [{ ...failedAnyFlow, groupBy: ['param.customer'] }],
    });
    for (let i = 0; i < 200_000; i++) {
      h.engine.process(
        flowRun('orders', `r${i}`, 'Failed', '2026-11-25T00:00:00Z', { params: { customer: `c${i}` } }),
      );
    }
    h.clock.advanceTo('2026-11-25T01:00:00Z');
    expect(h.sent.map((n) => `${n.createdAt.slice(11, 16)} ${n.kind} ${n.alerts.length}`)).toEqual([
      '00:00 firing 1',
      '00:01 firing 199999',
      '01:00 repeat 200000',
    ]);
    // 200,000 evaluations: minutes on a loaded 2-core machine is slow, not wrong.
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { buildAlertmanagerPayload } from '../../src/notify/webhook/alertmanager.ts';
import { buildWebhookPayload } from '../../src/notify/webhook/payload.ts';
import { alert, notification } from './helpers/notifications.ts';

describe('webhook payloads', () => {
  it('flowtel format: versioned, every notification and alert with its facts and trace URL', () => {
    const n = notification();
    const payload = buildWebhookPayload({ channel: 'hook', notifications: [n] });
    expect(payload).toMatchObject({
      version: '1',
      receiver: 'hook',
      status: 'firing',
      notifications: [
        {
          id: n.id,
          rule: 'orders-failed',
          kind: 'firing',
          alerts: [
            {
              id: 'fp-orders@2026-11-25T02:00:03Z',
              status: 'firing',
              endsAt: null,
              traceUrl: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
              facts: { flowRunId: 'run-123' },
            },
          ],
        },
      ],
    });
  });

  it('alertmanager format: the webhook_config payload, version 4', () => {
    const firing = alert();
    const resolved = alert({
      id: 'b',
      fingerprint: 'fp-b',
      status: 'resolved',
      endsAt: '2026-11-25T03:00:00Z',
      labels: { flow: 'other', team: 'data' },
    });
    const payload = buildAlertmanagerPayload(
      { channel: 'am', notifications: [notification({ alerts: [firing, resolved] })] },
      'http://flowtel:8080',
    );
    expect(Object.keys(payload).sort()).toEqual(
      [
        'alerts',
        'commonAnnotations',
        'commonLabels',
        'externalURL',
        'groupKey',
        'groupLabels',
        'receiver',
        'status',
        'truncatedAlerts',
        'version',
      ].sort(),
    );
    expect(payload).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'am',
      groupLabels: { alertname: 'orders-failed' },
      groupKey: '{}:{alertname="orders-failed"}',
      commonLabels: { alertname: 'orders-failed', severity: 'critical', team: 'data' },
      externalURL: 'http://flowtel:8080',
      truncatedAlerts: 0,
    });
    expect(payload.alerts[0]).toEqual({
      status: 'firing',
      labels: { alertname: 'orders-failed', severity: 'critical', flow: 'nightly-orders', team: 'data' },
      annotations: {
        summary: 'nightly-orders failed: TypeError: boom',
        runbook: 'https://runbooks.example.com/orders',
        trace_url: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
        description: 'TypeError: boom',
      },
      startsAt: '2026-11-25T02:00:03.120Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
      fingerprint: 'fp-orders',
    });
    expect(payload.alerts[1]).toMatchObject({ status: 'resolved', endsAt: '2026-11-25T03:00:00Z' });
  });
});

import type { Alert, Notification } from '../../../src/alerts/types.ts';

let counter = 0;

/** A flow-failed alert of nightly-orders, with every fact filled; override what a test is about. */
export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'fp-orders@2026-11-25T02:00:03Z',
    fingerprint: 'fp-orders',
    rule: 'orders-failed',
    status: 'firing',
    severity: 'critical',
    labels: { flow: 'nightly-orders', team: 'data' },
    annotations: { runbook: 'https://runbooks.example.com/orders' },
    summary: 'nightly-orders failed: TypeError: boom',
    startsAt: '2026-11-25T02:00:03.120Z',
    facts: {
      flow: 'nightly-orders',
      flowRunId: 'run-123',
      task: 'fetch-orders',
      taskRunId: 'task-run-9',
      attempt: 3,
      state: { type: 'FAILED', name: 'Failed' },
      error: { type: 'TypeError', message: 'boom' },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      startedAt: '2026-11-25T02:00:00.000Z',
      durationMs: 3120,
      params: { day: '2026-11-24', apiToken: '[REDACTED]' },
      tags: ['orders'],
    },
    ...overrides,
  };
}

export function notification(overrides: Partial<Notification> = {}): Notification {
  counter += 1;
  return {
    id: `n-${counter}`,
    rule: 'orders-failed',
    channels: ['data'],
    kind: 'firing',
    alerts: [alert()],
    createdAt: new Date(Date.parse('2026-11-25T02:00:03Z') + counter).toISOString(),
    traceUrlTemplate: 'http://localhost:16686/trace/{traceId}',
    ...overrides,
  };
}

/** Run text an attacker (or a careless error message) could produce. */
export const HOSTILE =
  '<!channel> <@U123> & <script>alert(1)</script> ``` *bold* <http://evil.example|click>';

import { randomUUID } from 'node:crypto';
import type { Notification } from '../alerts/types.ts';

/** The message `flowtel notify test` sends: clearly a test, with every field filled so the layout shows. */
export function testNotification(channel: string, now = new Date(), traceUrlTemplate?: string): Notification {
  const id = `test-${randomUUID()}`;
  const at = now.toISOString();
  return {
    id,
    rule: 'flowtel-notify-test',
    channels: [channel],
    kind: 'firing',
    createdAt: at,
    ...(traceUrlTemplate === undefined ? {} : { traceUrlTemplate }),
    alerts: [
      {
        id: `${id}-alert`,
        fingerprint: 'notify-test',
        rule: 'flowtel-notify-test',
        status: 'firing',
        severity: 'info',
        labels: { flow: 'example-flow', test: 'true' },
        annotations: {},
        summary: `Test notification from flowtel: channel '${channel}' works. Nothing failed.`,
        startsAt: at,
        facts: {
          flow: 'example-flow',
          flowRunId: 'test-run',
          state: { type: 'FAILED', name: 'Failed' },
          task: 'example-task',
          attempt: 1,
          error: { type: 'Error', message: 'this is a test message, not a real failure' },
          traceId: '00000000000000000000000000000000',
          startedAt: at,
          durationMs: 1234,
        },
      },
    ],
  };
}

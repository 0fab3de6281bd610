import { type ChannelDefinition, missingSecrets } from '../alerts/channels.ts';
import type { Alert, Notification } from '../alerts/types.ts';
import { humanDuration } from '../duration.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A notification as the plain-text message it would produce: what `flowtel run` prints when no channel
 * can send (none configured, or delivery not set up), naming the variables to set.
 */
export function formatNotification(
  notification: Notification,
  channels: Readonly<Record<string, ChannelDefinition>> = {},
  env: Env = process.env,
): string {
  const heading = { firing: 'FIRING', repeat: 'STILL FIRING', resolved: 'RESOLVED' }[notification.kind];
  const severity = notification.alerts[0]?.severity ?? 'warning';
  const lines = [`[flowtel] ${heading} ${notification.rule} (${severity})`];
  for (const alert of notification.alerts) lines.push(...alertLines(alert, notification.traceUrlTemplate));
  if (notification.channels.length === 0) lines.push('  (this rule notifies no channel)');
  for (const name of notification.channels) {
    const channel = channels[name];
    if (!channel) {
      lines.push(`  channel '${name}' is not defined`);
      continue;
    }
    const missing = missingSecrets(channel, env);
    if (missing.length > 0) lines.push(`  channel '${name}' is not configured: set ${missing.join(', ')}`);
  }
  return lines.join('\n');
}

function alertLines(alert: Alert, traceUrlTemplate: string | undefined): string[] {
  const facts = alert.facts;
  const lines = [`  ${alert.summary}`];
  const details = [
    facts.flowRunId && `run ${facts.flowRunId}`,
    facts.task && `task ${facts.task}`,
    facts.attempt !== undefined && facts.attempt > 1 && `attempt ${facts.attempt}`,
    facts.state && `state ${facts.state.name}`,
    facts.durationMs !== undefined && `took ${humanDuration(facts.durationMs)}`,
  ].filter(Boolean);
  if (details.length > 0) lines.push(`    ${details.join(', ')}`);
  if (facts.error) lines.push(`    error: ${facts.error.type}: ${facts.error.message}`);
  const labels = Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) lines.push(`    labels: ${labels.join(' ')}`);
  for (const [key, value] of Object.entries(alert.annotations)) lines.push(`    ${key}: ${value}`);
  if (facts.traceId && traceUrlTemplate)
    lines.push(`    trace: ${traceUrlTemplate.replaceAll('{traceId}', facts.traceId)}`);
  else if (facts.traceId) lines.push(`    trace id: ${facts.traceId}`);
  lines.push(`    alert id: ${alert.id}`);
  return lines;
}

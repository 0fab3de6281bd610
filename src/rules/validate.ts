import { channelUrlProblems } from '../alerts/channel-urls.ts';
import { missingSecrets } from '../alerts/channels.ts';
import type { Problem } from './problems.ts';
import type { LoadedRules } from './resolve.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Checks that need the whole folder, after the files merged: channel names that do not exist are errors,
 * and so is a channel URL variable that is set to something of the wrong shape (every alert to it would
 * fail); channels whose environment variables are unset ("unconfigured") and rules that notify nobody
 * are warnings, because the message is still printed where it would have gone. A flow-late rule without its
 * own cron or interval is a warning: it relies on the flow declaring a schedule, which only the process
 * that defines the flow knows (it warns again there, when such a flow runs without one).
 */
export function checkMergedRules(loaded: LoadedRules, env: Env): Problem[] {
  const problems: Problem[] = [];
  const known = Object.keys(loaded.channels);
  const unknown = (name: string) =>
    `unknown channel '${name}'${known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (no channels are defined)'}`;

  for (const rule of loaded.rules) {
    const file = rule.file ?? '<inline>';
    // An inherited notify is checked once, at defaults.notify, not once per rule.
    if (rule.notifyFrom === 'rule') {
      rule.notify.forEach((name, i) => {
        if (!(name in loaded.channels)) {
          problems.push({
            severity: 'error',
            file,
            path: `rules[${rule.name}].notify[${i}]`,
            message: unknown(name),
          });
        }
      });
    }
    if (rule.when.type === 'flow-late' && rule.when.cron === undefined && rule.when.interval === undefined) {
      const which =
        rule.when.flow === undefined ? 'each flow' : `the flow (${[rule.when.flow].flat().join(', ')})`;
      problems.push({
        severity: 'warning',
        file,
        path: `rules[${rule.name}].when`,
        message: `has no cron or interval: it uses the schedule ${which} declares with flow({ schedule }), and never fires for a flow that declares none`,
      });
    }
    if (rule.when.type === 'flow-late' && rule.groupBy.length > 0) {
      problems.push({
        severity: 'warning',
        file,
        path: `rules[${rule.name}].groupBy`,
        message:
          'does not apply to flow-late: a run that never started has no parameters or error (its identity is flow and schedule)',
      });
    }
    if (rule.notify.length === 0) {
      problems.push({
        severity: 'warning',
        file,
        path: `rules[${rule.name}]`,
        message: 'notifies no channel: add notify to the rule or defaults.notify',
      });
    }
  }
  const defaultNotify = loaded.defaults.notify;
  if (Array.isArray(defaultNotify)) {
    const file = loaded.sources.get('default:notify') ?? '<inline>';
    defaultNotify.forEach((name: string, i) => {
      if (!(name in loaded.channels)) {
        problems.push({ severity: 'error', file, path: `defaults.notify[${i}]`, message: unknown(name) });
      }
    });
  }

  for (const [name, channel] of Object.entries(loaded.channels)) {
    const missing = missingSecrets(channel, env);
    if (missing.length > 0) {
      problems.push({
        severity: 'warning',
        file: loaded.sources.get(`channel:${name}`) ?? '<inline>',
        path: `channels.${name}`,
        message: `channel '${name}' is not configured: set ${missing.join(', ')}`,
      });
    }
    for (const problem of channelUrlProblems(channel, env)) {
      problems.push({
        severity: 'error',
        file: loaded.sources.get(`channel:${name}`) ?? '<inline>',
        path: `channels.${name}.${problem.field}`,
        message: `${problem.message} (the value is not shown: it is a secret)`,
      });
    }
  }
  return problems;
}

import type { RulesFileInput } from './schema.ts';

/**
 * Types a rules file so an editor completes and checks it: condition types and their fields, durations
 * ('15m'), severities, channel definitions. It returns its argument; validation happens when the folder
 * is loaded, with every problem reported at once.
 *
 * @example
 * export default defineRules({
 *   channels: { data: slack({ webhookUrl: { env: 'SLACK_WEBHOOK_URL' } }) },
 *   defaults: { notify: ['data'] },
 *   rules: [{ name: 'any-flow-failed', when: { type: 'flow-failed' } }],
 * });
 */
export function defineRules<const T extends RulesFileInput>(rules: T): T {
  return rules;
}

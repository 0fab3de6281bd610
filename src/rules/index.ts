/**
 * `flowtel/rules`: alert rules as code. Define rules (`defineRules`, `slack`, `email`, `webhook`), load a
 * folder (`loadRules`), evaluate transitions (`createRulesEngine`, or `startAlerting` for a process that
 * runs flows), and the `rules check` / `rules test` commands.
 */

export {
  ChannelDefinition,
  EmailChannel,
  type EmailChannelInput,
  email,
  missingSecrets,
  resolveSecret,
  SecretRef,
  SlackChannel,
  type SlackChannelInput,
  slack,
  WebhookChannel,
  type WebhookChannelInput,
  webhook,
} from '../alerts/channels.ts';
export { type AlertState, type AlertStateStore, InMemoryAlertStateStore } from '../alerts/state.ts';
export { type Clock, ManualClock, systemClock, type TimerHandle } from '../clock.ts';
export type { ScheduleSpec } from '../schedule/slots.ts';
export { type Alerting, type StartAlertingOptions, startAlerting } from './alerting.ts';
export { type RulesCommandIo, rulesCheck } from './commands/check.ts';
export { rulesTest } from './commands/test.ts';
export type { Condition, ConditionInput, ConditionType } from './conditions-schema.ts';
export { defineRules } from './define.ts';
export {
  createRulesEngine,
  type EngineStats,
  type NotificationSink,
  type RegisterScheduleOptions,
  type RulesEngine,
  type RulesEngineOptions,
} from './engine.ts';
export { RulesLoadError } from './errors.ts';
export { inspectRules, type LoadOptions, loadRules } from './load.ts';
export { formatProblem, type Problem } from './problems.ts';
export { type LoadedRules, RULE_DEFAULTS, type Rule } from './resolve.ts';
export {
  type RuleInput,
  type RulesFileInput,
  RulesFileSchema,
  type Silence,
  type SilenceInput,
} from './schema.ts';
export type { DurationInput } from './schema-parts.ts';
export type { ActiveSilence } from './silences.ts';

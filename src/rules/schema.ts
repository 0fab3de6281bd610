import { z } from 'zod';
import { ChannelDefinition } from '../alerts/channels.ts';
import { Condition } from './conditions-schema.ts';
import { Duration, GroupByKey, Instant, Labels, NamePattern, Severity } from './schema-parts.ts';

/**
 * One schema for every rules file, TypeScript or YAML. Parsing turns durations into milliseconds and times
 * into epoch milliseconds; defaults that need the whole folder (notify, repeatInterval, ...) are applied
 * after the files merge (see `resolve.ts`), so they live in one place: `RULE_DEFAULTS`.
 */

const ChannelName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'channel names are letters, digits, _ . and -');

/** Notification timing and routing, per rule or as folder-wide defaults. */
const delivery = {
  /** Channel names; a rule without `notify` uses `defaults.notify`. */
  notify: z.array(ChannelName).optional(),
  severity: Severity.optional(),
  /** Wait before the first notification of a rule, to gather alerts that fire together. @default 0 */
  groupWait: Duration.optional(),
  /** Minimum time between two notifications of one rule (storm control). @default '1m' */
  groupInterval: Duration.optional(),
  /** Re-notify while still firing. @default '4h' */
  repeatInterval: Duration.optional(),
  /** Notify when an alert resolves. @default true */
  sendResolved: z.boolean().optional(),
};

export const RuleSchema = z.strictObject({
  /** Unique in the folder; identifies the rule in messages, silences and `rules test`. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'rule names are letters, digits, _ . and -'),
  when: Condition,
  /** Extra identity keys, e.g. `param.customer`: one customer's success does not resolve another's failure. */
  groupBy: z.array(GroupByKey).optional(),
  labels: Labels.optional(),
  /** Shown with the alert, e.g. `runbook: https://…`. */
  annotations: z.record(z.string(), z.string()).optional(),
  /** `false` keeps the rule in the file but never evaluates it. @default true */
  enabled: z.boolean().optional(),
  ...delivery,
});
export type RuleDefinition = z.infer<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

export const DefaultsSchema = z.strictObject({ ...delivery, labels: Labels.optional() });
export type DefaultsDefinition = z.infer<typeof DefaultsSchema>;

export const LinksSchema = z.strictObject({
  /** Trace URL template; `{traceId}` is replaced. Wins over FLOWTEL_TRACE_URL. */
  trace: z.string().includes('{traceId}', { message: "must contain '{traceId}'" }).optional(),
});

/** Matchers of a silence: every given one must match. */
export const SilenceMatchers = z.strictObject({
  rule: NamePattern.optional(),
  flow: NamePattern.optional(),
  /** Label values (exact or glob) the alert must carry. */
  labels: z.record(z.string(), z.string()).optional(),
});

export const SilenceSchema = z.strictObject({
  id: z.string().min(1).optional(),
  matchers: SilenceMatchers,
  startsAt: Instant.optional(),
  endsAt: Instant,
  createdBy: z.string().optional(),
  comment: z.string().optional(),
});
export type Silence = z.infer<typeof SilenceSchema>;
export type SilenceInput = z.input<typeof SilenceSchema>;

export const RulesFileSchema = z.strictObject({
  channels: z.record(ChannelName, ChannelDefinition).optional(),
  defaults: DefaultsSchema.optional(),
  links: LinksSchema.optional(),
  rules: z.array(RuleSchema).optional(),
  /** Planned quiet periods, reviewed like the rules. `serve` adds an API for ad-hoc ones. */
  silences: z.array(SilenceSchema).optional(),
});
export type RulesFile = z.infer<typeof RulesFileSchema>;
export type RulesFileInput = z.input<typeof RulesFileSchema>;

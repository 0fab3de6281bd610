import type { ChannelDefinition } from '../alerts/channels.ts';
import type { Severity } from '../alerts/types.ts';
import type { Condition } from './conditions-schema.ts';
import type { Problem } from './problems.ts';
import type { RuleDefinition, RulesFile, Silence } from './schema.ts';

/** Defaults of every rule, in one place; a folder's `defaults` override them. */
export const RULE_DEFAULTS = {
  notify: [] as readonly string[],
  severity: 'warning' as Severity,
  groupWait: 0,
  groupInterval: 60_000,
  repeatInterval: 4 * 3_600_000,
  sendResolved: true,
} as const;

/** A rule with every default applied: what the engine evaluates. Durations are milliseconds. */
export interface Rule {
  readonly name: string;
  readonly when: Condition;
  readonly groupBy: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly notify: readonly string[];
  /** Whether `notify` is the rule's own or inherited from the folder's defaults. */
  readonly notifyFrom: 'rule' | 'defaults';
  readonly severity: Severity;
  readonly groupWait: number;
  readonly groupInterval: number;
  readonly repeatInterval: number;
  readonly sendResolved: boolean;
  readonly enabled: boolean;
  /** The file that defined the rule, for messages. */
  readonly file?: string;
}

/** A rules folder, merged and resolved: the input of the engine. */
export interface LoadedRules {
  readonly channels: Readonly<Record<string, ChannelDefinition>>;
  readonly rules: readonly Rule[];
  readonly silences: readonly Silence[];
  readonly links: { readonly trace?: string };
  /** The folder's merged `defaults`, as written (durations in milliseconds). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Where each channel, rule, default and link was defined. */
  readonly sources: ReadonlyMap<string, string>;
  readonly files: readonly string[];
}

export interface ParsedFile {
  readonly file: string;
  readonly content: RulesFile;
}

/**
 * Merges the files of a folder: channels, defaults and links are unions, rules and silences lists; a
 * channel, default, link or rule defined twice is an error naming both files.
 */
export function mergeRuleFiles(files: readonly ParsedFile[]): { rules: LoadedRules; problems: Problem[] } {
  const problems: Problem[] = [];
  const sources = new Map<string, string>();
  const channels: Record<string, ChannelDefinition> = {};
  const defaults: Record<string, unknown> = {};
  const links: Record<string, string> = {};
  const definitions: { rule: RuleDefinition; file: string }[] = [];
  const silences: Silence[] = [];

  const claim = (kind: string, name: string, file: string, path: string): boolean => {
    const key = `${kind}:${name}`;
    const first = sources.get(key);
    if (first !== undefined) {
      problems.push({
        severity: 'error',
        file,
        path,
        message: `${kind} '${name}' is already defined in ${first}`,
      });
      return false;
    }
    sources.set(key, file);
    return true;
  };

  for (const { file, content } of files) {
    for (const [name, channel] of Object.entries(content.channels ?? {})) {
      if (claim('channel', name, file, `channels.${name}`)) channels[name] = channel;
    }
    for (const [key, value] of Object.entries(content.defaults ?? {})) {
      if (value !== undefined && claim('default', key, file, `defaults.${key}`)) defaults[key] = value;
    }
    for (const [key, value] of Object.entries(content.links ?? {})) {
      if (value !== undefined && claim('link', key, file, `links.${key}`)) links[key] = value;
    }
    for (const rule of content.rules ?? []) {
      if (claim('rule', rule.name, file, `rules[${rule.name}]`)) definitions.push({ rule, file });
    }
    silences.push(...(content.silences ?? []));
  }

  const folderDefaults = defaults as Partial<typeof RULE_DEFAULTS> & { labels?: Record<string, string> };
  const rules = definitions.map(({ rule, file }) => resolveRule(rule, folderDefaults, file));
  return {
    rules: { channels, rules, silences, links, defaults, sources, files: files.map((f) => f.file) },
    problems,
  };
}

function resolveRule(
  rule: RuleDefinition,
  defaults: Partial<typeof RULE_DEFAULTS> & { labels?: Record<string, string> },
  file: string,
): Rule {
  return {
    name: rule.name,
    when: rule.when,
    groupBy: rule.groupBy ?? [],
    labels: { ...defaults.labels, ...rule.labels },
    annotations: rule.annotations ?? {},
    notify: rule.notify ?? defaults.notify ?? RULE_DEFAULTS.notify,
    notifyFrom: rule.notify === undefined ? 'defaults' : 'rule',
    severity: rule.severity ?? defaults.severity ?? RULE_DEFAULTS.severity,
    groupWait: rule.groupWait ?? defaults.groupWait ?? RULE_DEFAULTS.groupWait,
    groupInterval: rule.groupInterval ?? defaults.groupInterval ?? RULE_DEFAULTS.groupInterval,
    repeatInterval: rule.repeatInterval ?? defaults.repeatInterval ?? RULE_DEFAULTS.repeatInterval,
    sendResolved: rule.sendResolved ?? defaults.sendResolved ?? RULE_DEFAULTS.sendResolved,
    enabled: rule.enabled ?? true,
    file,
  };
}

/** Rules given in code (tests, `createRulesEngine`) rather than loaded from a folder. */
export function rulesFromFile(
  content: RulesFile,
  file = '<inline>',
): { rules: LoadedRules; problems: Problem[] } {
  return mergeRuleFiles([{ file, content }]);
}

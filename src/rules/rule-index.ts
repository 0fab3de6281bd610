import type { TransitionRecord } from '../runtime/transition.ts';
import type { ConditionType } from './conditions-schema.ts';
import { compileGlob, compilePatterns, isGlob, type NameMatcher } from './glob.ts';
import type { Rule } from './resolve.ts';

/**
 * Finds the rules a transition may concern without looking at every rule: by condition type, then by flow
 * name (exact names in a Map, globs in a short list, rules for every flow in another), then by task name.
 * The answer for a (type, flow, task) is worked out the first time that name comes and kept (a bounded
 * cache), so a transition of a known task costs two map lookups; only rules with tag matchers look at the
 * record's tags each time. `matcherCalls` counts pattern and matcher evaluations, so a test can prove
 * that 1,000 rules do not cost 1,000 checks.
 */
interface IndexedRule {
  readonly rule: Rule;
  /** Task matcher (the flow is matched by the index). */
  readonly task: NameMatcher | undefined;
  /** Tag matchers: each must match one of the record's tags. */
  readonly tags: readonly NameMatcher[];
}

interface Bucket {
  readonly exact: Map<string, IndexedRule[]>;
  readonly globs: { readonly flow: NameMatcher; readonly entry: IndexedRule }[];
  readonly anyFlow: IndexedRule[];
  /** Flow → task ('' for flow transitions) → the rules of that name, in index order. */
  readonly resolved: Map<string, Map<string, Resolved>>;
}

interface Resolved {
  readonly entries: readonly IndexedRule[];
  /** The answer for every record when no entry has tag matchers. */
  readonly rules: readonly Rule[] | undefined;
}

/** Names resolved and kept, over all condition types; past it the cache starts over. */
const MAX_RESOLVED_NAMES = 10_000;

export class RuleIndex {
  matcherCalls = 0;
  private readonly buckets = new Map<ConditionType, Bucket>();
  private resolvedNames = 0;

  constructor(rules: readonly Rule[]) {
    for (const rule of rules) if (rule.enabled) this.add(rule);
  }

  /** Rules of `type` whose flow, task and tag matchers accept the record. */
  candidates(type: ConditionType, record: TransitionRecord): readonly Rule[] {
    const bucket = this.buckets.get(type);
    if (!bucket) return [];
    const flow = record.flow ?? '';
    const task = record.task ?? '';
    const resolved = bucket.resolved.get(flow)?.get(task) ?? this.resolve(bucket, flow, task);
    if (resolved.rules !== undefined) return resolved.rules;
    const found: Rule[] = [];
    for (const entry of resolved.entries) {
      this.matcherCalls++;
      if (entry.tags.every((tag) => record.tags.some((t) => tag(t)))) found.push(entry.rule);
    }
    return found;
  }

  /** Every enabled rule of a type (for flow-late watches, set up once rather than per transition). */
  rulesOf(type: ConditionType): Rule[] {
    const bucket = this.buckets.get(type);
    if (!bucket) return [];
    const all = new Set<Rule>();
    for (const list of bucket.exact.values()) for (const e of list) all.add(e.rule);
    for (const { entry } of bucket.globs) all.add(entry.rule);
    for (const entry of bucket.anyFlow) all.add(entry.rule);
    return [...all];
  }

  private resolve(bucket: Bucket, flow: string, task: string): Resolved {
    const entries: IndexedRule[] = [];
    const consider = (entry: IndexedRule) => {
      this.matcherCalls++;
      if (!entry.task || entry.task(task)) entries.push(entry);
    };
    for (const entry of bucket.exact.get(flow) ?? []) consider(entry);
    for (const { flow: matchFlow, entry } of bucket.globs) {
      this.matcherCalls++;
      if (matchFlow(flow)) consider(entry);
    }
    for (const entry of bucket.anyFlow) consider(entry);
    const tagged = entries.some((entry) => entry.tags.length > 0);
    const resolved: Resolved = { entries, rules: tagged ? undefined : entries.map((e) => e.rule) };
    if (++this.resolvedNames > MAX_RESOLVED_NAMES) {
      for (const other of this.buckets.values()) other.resolved.clear();
      this.resolvedNames = 1;
    }
    let tasks = bucket.resolved.get(flow);
    if (!tasks) {
      tasks = new Map();
      bucket.resolved.set(flow, tasks);
    }
    tasks.set(task, resolved);
    return resolved;
  }

  private add(rule: Rule): void {
    const type = rule.when.type;
    let bucket = this.buckets.get(type);
    if (!bucket) {
      bucket = { exact: new Map(), globs: [], anyFlow: [], resolved: new Map() };
      this.buckets.set(type, bucket);
    }
    const when = rule.when;
    const entry: IndexedRule = {
      rule,
      task: 'task' in when && when.task !== undefined ? compilePatterns(when.task) : undefined,
      tags: (when.tags ?? []).map(compileGlob),
    };
    const flows = rule.when.flow === undefined ? undefined : [rule.when.flow].flat();
    if (flows === undefined) {
      bucket.anyFlow.push(entry);
    } else if (flows.some(isGlob)) {
      bucket.globs.push({ flow: compilePatterns(flows), entry });
    } else {
      for (const name of new Set(flows)) {
        const list = bucket.exact.get(name) ?? [];
        list.push(entry);
        bucket.exact.set(name, list);
      }
    }
  }
}

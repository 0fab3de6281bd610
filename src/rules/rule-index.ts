import type { TransitionRecord } from '../runtime/transition.ts';
import type { ConditionType } from './conditions-schema.ts';
import { compileGlob, compilePatterns, isGlob, type NameMatcher } from './glob.ts';
import type { Rule } from './resolve.ts';

/**
 * Finds the rules a transition may concern without looking at every rule: by condition type, then by flow
 * name (exact names in a Map, globs in a short list, rules for every flow in another). Only the few
 * candidates run their full matcher (task, tags). `matcherCalls` counts pattern and matcher evaluations,
 * so a test can prove that 1,000 rules do not cost 1,000 checks.
 */
export interface IndexedRule {
  readonly rule: Rule;
  /** Task and tag matchers (the flow was matched by the index). */
  readonly matches: (record: TransitionRecord) => boolean;
}

interface Bucket {
  readonly exact: Map<string, IndexedRule[]>;
  readonly globs: { readonly flow: NameMatcher; readonly entry: IndexedRule }[];
  readonly anyFlow: IndexedRule[];
}

export class RuleIndex {
  matcherCalls = 0;
  private readonly buckets = new Map<ConditionType, Bucket>();

  constructor(rules: readonly Rule[]) {
    for (const rule of rules) if (rule.enabled) this.add(rule);
  }

  /** Rules of `type` whose flow, task and tag matchers accept the record. */
  candidates(type: ConditionType, record: TransitionRecord): Rule[] {
    const bucket = this.buckets.get(type);
    if (!bucket) return [];
    const flow = record.flow ?? '';
    const found: Rule[] = [];
    const consider = (entry: IndexedRule) => {
      this.matcherCalls++;
      if (entry.matches(record)) found.push(entry.rule);
    };
    for (const entry of bucket.exact.get(flow) ?? []) consider(entry);
    for (const { flow: matchFlow, entry } of bucket.globs) {
      this.matcherCalls++;
      if (matchFlow(flow)) consider(entry);
    }
    for (const entry of bucket.anyFlow) consider(entry);
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

  private add(rule: Rule): void {
    const type = rule.when.type;
    let bucket = this.buckets.get(type);
    if (!bucket) {
      bucket = { exact: new Map(), globs: [], anyFlow: [] };
      this.buckets.set(type, bucket);
    }
    const entry: IndexedRule = { rule, matches: compileRestMatcher(rule) };
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

function compileRestMatcher(rule: Rule): (record: TransitionRecord) => boolean {
  const when = rule.when;
  const task = 'task' in when && when.task !== undefined ? compilePatterns(when.task) : undefined;
  const tags = (when.tags ?? []).map(compileGlob);
  return (record) => {
    if (task && !task(record.task ?? '')) return false;
    return tags.every((tag) => record.tags.some((t) => tag(t)));
  };
}

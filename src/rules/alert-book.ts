import type { AlertState } from '../alerts/state.ts';
import { Identity, storedIdentityKey } from './identity.ts';
import type { Rule } from './resolve.ts';

/**
 * The engine's alert states, all in memory: by fingerprint, by rule (what a group flushes), by identity key
 * (what a condition looks up, no hashing), and a count of firing alerts per rule and flow (and task), so a
 * transition that could only resolve learns with one lookup that there is nothing to resolve. Every
 * change is also noted, for the store, until the engine takes the changes at the end of its step.
 */
export class AlertBook {
  readonly #states = new Map<string, AlertState>();
  readonly #byRule = new Map<string, Map<string, AlertState>>();
  /** Identity key → fingerprint, and back. */
  readonly #fingerprints = new Map<string, string>();
  readonly #keys = new Map<string, string>();
  /** Per rule, stored states whose identity key could not be recovered: found by fingerprint instead. */
  readonly #keyless = new Map<string, Set<string>>();
  /** Per rule, and per `rule \0 flow` and `rule \0 flow \0 task`: how many of its alerts fire. */
  readonly #firingRules = new Map<string, number>();
  readonly #firing = new Map<string, number>();
  #changes = new Map<string, AlertState | null>();

  /** `stored`: what a previous engine left; `rules`: the loaded rules, to recover identity keys. */
  constructor(stored: readonly AlertState[], rules: readonly Rule[]) {
    const labelsOf = new Map(rules.map((rule) => [rule.name, rule.labels]));
    for (const state of stored) {
      const ruleLabels = labelsOf.get(state.rule);
      const key = ruleLabels === undefined ? undefined : storedIdentityKey(ruleLabels, state);
      this.#insert(state, key);
    }
  }

  /** The state of an identity, if any. */
  find(identity: Identity): AlertState | undefined {
    if (identity.key === undefined) return this.#states.get(identity.fingerprint);
    const fingerprint = this.#fingerprints.get(identity.key);
    if (fingerprint !== undefined) return this.#states.get(fingerprint);
    const keyless = this.#keyless.get(identity.rule);
    if (keyless === undefined) return undefined;
    const state = this.#states.get(identity.fingerprint);
    if (state !== undefined) this.#learnKey(state.fingerprint, identity.key);
    return state;
  }

  /** The state with this fingerprint, if any. */
  get(fingerprint: string): AlertState | undefined {
    return this.#states.get(fingerprint);
  }

  /** An identity for a stored state (to resume what a previous engine left). */
  identityOf(state: AlertState): Identity {
    return new Identity(state.rule, this.#keys.get(state.fingerprint), state.labels, state.fingerprint);
  }

  /** Every state, or those of one rule, in the order they first appeared. */
  list(rule?: string): AlertState[] {
    if (rule === undefined) return [...this.#states.values()];
    const states = this.#byRule.get(rule);
    return states === undefined ? [] : [...states.values()];
  }

  /** The states of one rule, without a copy: not to be changed while iterating. */
  states(rule: string): Iterable<AlertState> {
    return this.#byRule.get(rule)?.values() ?? [];
  }

  /** Whether `rule` has a firing alert for this flow (and this task, for task conditions). */
  firing(rule: string, flow: string, task?: string): boolean {
    if (!this.#firingRules.has(rule)) return false; // most rules fire nothing: no scope string to build
    const scope = task === undefined ? `${rule}\0${flow}` : `${rule}\0${flow}\0${task}`;
    return this.#firing.has(scope);
  }

  /** Stores a state; a new alert also brings its identity, so later lookups find it by key. */
  put(state: AlertState, identity?: Identity): void {
    const previous = this.#states.get(state.fingerprint);
    if (previous === undefined) this.#insert(state, identity?.key);
    else {
      // A new version of a state (notified, newer facts) mostly keeps its status and labels: its counts too.
      const recount = previous.status !== state.status || previous.labels !== state.labels;
      if (recount) this.#count(previous, -1);
      this.#states.set(state.fingerprint, state);
      this.#byRule.get(state.rule)?.set(state.fingerprint, state);
      if (recount) this.#count(state, 1);
    }
    this.#changes.set(state.fingerprint, state);
  }

  delete(fingerprint: string): void {
    const state = this.#states.get(fingerprint);
    if (state === undefined) return;
    this.#count(state, -1);
    this.#states.delete(fingerprint);
    // An empty map of a rule stays (one per rule at most): the rule's next alert needs no new one.
    this.#byRule.get(state.rule)?.delete(fingerprint);
    const key = this.#keys.get(fingerprint);
    if (key !== undefined) this.#fingerprints.delete(key);
    this.#keys.delete(fingerprint);
    this.#forgetKeyless(state.rule, fingerprint);
    this.#changes.set(fingerprint, null);
  }

  /** The changes since the last call (undefined when there are none), for the store. */
  takeChanges(): ReadonlyMap<string, AlertState | null> | undefined {
    if (this.#changes.size === 0) return undefined;
    const changes = this.#changes;
    this.#changes = new Map();
    return changes;
  }

  #insert(state: AlertState, key: string | undefined): void {
    this.#states.set(state.fingerprint, state);
    let ofRule = this.#byRule.get(state.rule);
    if (ofRule === undefined) {
      ofRule = new Map();
      this.#byRule.set(state.rule, ofRule);
    }
    ofRule.set(state.fingerprint, state);
    if (key !== undefined) this.#learnKey(state.fingerprint, key);
    else {
      const keyless = this.#keyless.get(state.rule) ?? new Set();
      keyless.add(state.fingerprint);
      this.#keyless.set(state.rule, keyless);
    }
    this.#count(state, 1);
  }

  #learnKey(fingerprint: string, key: string): void {
    this.#fingerprints.set(key, fingerprint);
    this.#keys.set(fingerprint, key);
    const rule = this.#states.get(fingerprint)?.rule;
    if (rule !== undefined) this.#forgetKeyless(rule, fingerprint);
  }

  #forgetKeyless(rule: string, fingerprint: string): void {
    const keyless = this.#keyless.get(rule);
    keyless?.delete(fingerprint);
    if (keyless?.size === 0) this.#keyless.delete(rule);
  }

  /** The identity's labels win over the rule's, so `flow` and a task condition's `task` are its own. */
  #count(state: AlertState, by: 1 | -1): void {
    if (state.status !== 'firing') return;
    this.#add(this.#firingRules, state.rule, by);
    const flow = `${state.rule}\0${state.labels.flow ?? ''}`;
    this.#add(this.#firing, flow, by);
    this.#add(this.#firing, `${flow}\0${state.labels.task ?? ''}`, by);
  }

  #add(counts: Map<string, number>, key: string, by: 1 | -1): void {
    const count = (counts.get(key) ?? 0) + by;
    if (count > 0) counts.set(key, count);
    else counts.delete(key);
  }
}

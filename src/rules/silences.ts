import { randomUUID } from 'node:crypto';
import type { AlertState } from '../alerts/state.ts';
import { compilePatterns } from './glob.ts';
import type { Silence } from './schema.ts';

/**
 * Silences suppress notifications, not alerts: a silenced alert keeps firing and resolving in the state
 * store, so when the silence ends the engine knows what is still wrong and says so.
 */
export interface ActiveSilence extends Silence {
  readonly id: string;
}

export class Silences {
  private readonly list = new Map<
    string,
    { silence: ActiveSilence; matches: (alert: AlertState) => boolean }
  >();

  add(silence: Silence): ActiveSilence {
    const active: ActiveSilence = { ...silence, id: silence.id ?? randomUUID() };
    this.list.set(active.id, { silence: active, matches: compileSilence(active) });
    return active;
  }

  remove(id: string): boolean {
    return this.list.delete(id);
  }

  all(): ActiveSilence[] {
    return [...this.list.values()].map((s) => s.silence);
  }

  /** Whether a silence in effect at `now` covers the alert. Expired silences are dropped on the way. */
  silenced(alert: AlertState, now: number): boolean {
    let hit = false;
    for (const [id, { silence, matches }] of this.list) {
      if (silence.endsAt <= now) {
        this.list.delete(id);
        continue;
      }
      if ((silence.startsAt ?? 0) <= now && matches(alert)) hit = true;
    }
    return hit;
  }
}

function compileSilence(silence: Silence): (alert: AlertState) => boolean {
  const { rule, flow, labels } = silence.matchers;
  const matchRule = rule === undefined ? undefined : compilePatterns(rule);
  const matchFlow = flow === undefined ? undefined : compilePatterns(flow);
  const matchLabels = Object.entries(labels ?? {}).map(
    ([name, value]) => [name, compilePatterns(value)] as const,
  );
  return (alert) =>
    (!matchRule || matchRule(alert.rule)) &&
    (!matchFlow || matchFlow(alert.labels.flow ?? alert.facts.flow ?? '')) &&
    matchLabels.every(([name, match]) => alert.labels[name] !== undefined && match(alert.labels[name]));
}

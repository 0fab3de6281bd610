import type { RunSummary } from '../history/types.ts';
import type { ActiveSilence } from '../rules/silences.ts';
import type { ServeBackend } from './backend.ts';

/**
 * How the API shows what the backend holds: runs with their trace link, silences with ISO times (the
 * engine keeps epoch milliseconds).
 */

export type WithTraceUrl<R extends RunSummary> = R & { readonly traceUrl: string | null };

export function withTraceUrl<R extends RunSummary>(backend: ServeBackend, run: R): WithTraceUrl<R> {
  return { ...run, traceUrl: backend.traceUrl(run.traceId) };
}

export interface SilenceView extends Omit<ActiveSilence, 'startsAt' | 'endsAt'> {
  readonly startsAt?: string;
  readonly endsAt: string;
}

export function silenceView(silence: ActiveSilence): SilenceView {
  const { startsAt, endsAt, ...rest } = silence;
  const iso = (ms: number) => new Date(ms).toISOString();
  return startsAt === undefined
    ? { ...rest, endsAt: iso(endsAt) }
    : { ...rest, startsAt: iso(startsAt), endsAt: iso(endsAt) };
}

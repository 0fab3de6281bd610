import { embeddedAlertingEnabled } from '../alerts/embedded.ts';
import type { AlertStateStore } from '../alerts/state.ts';
import { traceUrlTemplate } from '../alerts/trace-link.ts';
import type { Clock } from '../clock.ts';
import { onTransition } from '../runtime/hub.ts';
import { onFlowSchedule } from '../runtime/schedules.ts';
import { createRulesEngine, type NotificationSink, type RulesEngine } from './engine.ts';
import { loadRules } from './load.ts';
import type { LoadedRules } from './resolve.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface StartAlertingOptions {
  /** A rules folder, or rules already loaded. @default './rules' */
  readonly rules?: string | LoadedRules;
  /**
   * Where notifications go (the CLI wires delivery here). @default a line per notification through
   * `onWarning`, saying that no sink is set
   */
  readonly sink?: NotificationSink;
  readonly clock?: Clock;
  readonly store?: AlertStateStore;
  /** FLOWTEL_TRACE_URL and FLOWTEL_ALERTING are read here. @default process.env */
  readonly env?: Env;
  /** Warnings such as a flow-late rule whose flow declares no schedule. @default print to stderr */
  readonly onWarning?: (message: string) => void;
}

export interface Alerting {
  readonly engine: RulesEngine;
  /** False when FLOWTEL_ALERTING=off: the engine exists but sees no transitions. */
  readonly enabled: boolean;
  /** Sends pending grouped notifications now and waits for the sink (call before exiting). */
  flush(): Promise<void>;
  /** Flushes, stops listening and cancels every timer. */
  stop(): Promise<void>;
}

/**
 * Embedded alerting for a process that runs flows: loads the rules, evaluates every transition of this
 * process (through the runtime's hub) and hands notifications to the sink. The schedules of flows
 * defined with `schedule` (before or after this call) are watched by the flow-late rules that do not
 * carry their own. Throws `RulesLoadError` with every problem when the rules folder has errors.
 */
export async function startAlerting(options: StartAlertingOptions = {}): Promise<Alerting> {
  const env = options.env ?? process.env;
  const rules =
    typeof options.rules === 'object' ? options.rules : await loadRules(options.rules ?? './rules', { env });
  const pending = new Set<Promise<void>>();
  const warn = options.onWarning ?? ((message: string) => console.warn(`flowtel alerting: ${message}`));
  const sink = options.sink ?? unsentSink(warn);
  const traceTemplate = traceUrlTemplate(rules.links, env);
  const engine = createRulesEngine({
    rules,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.store ? { store: options.store } : {}),
    onWarning: warn,
    ...(traceTemplate === undefined ? {} : { traceUrlTemplate: traceTemplate }),
    sink: (notification) => {
      const result = sink(notification);
      if (result instanceof Promise) {
        const tracked = result.catch(() => {}).finally(() => pending.delete(tracked));
        pending.add(tracked);
      }
      return result;
    },
  });
  const enabled = embeddedAlertingEnabled(env);
  // Off, the engine sees no runs: watching schedules would only call every flow late.
  const unsubscribe = enabled ? onTransition((record) => engine.process(record)) : () => {};
  const unwatchSchedules = enabled
    ? // Schedules were checked when their flow was defined: registering them cannot fail.
      onFlowSchedule(({ flow, schedules }) =>
        engine.registerSchedule(
          flow,
          schedules.map(({ id, spec }) => ({ ...spec, name: id })),
        ),
      )
    : () => {};
  const flush = async () => {
    engine.flush();
    while (pending.size > 0) await Promise.all(pending);
  };
  return {
    engine,
    enabled,
    flush,
    async stop() {
      unsubscribe();
      unwatchSchedules();
      await flush();
      engine.close();
    },
  };
}

/** Without a sink nothing is delivered: each notification is still said, in one line, with how to deliver it. */
function unsentSink(warn: (message: string) => void): NotificationSink {
  return (notification) => {
    const summaries = notification.alerts.map((alert) => alert.summary).join('; ');
    warn(
      `rule '${notification.rule}' ${notification.kind}: ${summaries} (not delivered: pass a sink to startAlerting)`,
    );
  };
}

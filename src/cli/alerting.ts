import { existsSync } from 'node:fs';
import type { Notification } from '../alerts/types.ts';
import { databasePath, flowtelHome } from '../store/home.ts';
import { UsageError } from './usage.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunAlerting {
  /** The rules' `links.trace`, for the link printed after the run. */
  readonly traceUrlTemplate: string | undefined;
  /**
   * Delivers what the run produced (grouped notifications included), within `deadlineMs`; `signal`
   * (a Ctrl-C) ends delivery at once, leaving what is unsent in the outbox for the next run.
   */
  finish(deadlineMs: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Embedded alerting for `flowtel run`: the rules folder evaluated on this process's transitions, alert
 * state kept in FLOWTEL_HOME's SQLite file (so the next run resolves what this one fired), notifications
 * delivered through configured channels and printed, naming the variables to set, for the others.
 * Nothing here loads unless there is a rules folder and alerting is not off.
 */
export async function startRunAlerting(
  rulesDir: string | undefined,
  env: Env,
  print: (text: string) => void,
): Promise<RunAlerting | undefined> {
  if (env.FLOWTEL_ALERTING === 'off') return undefined;
  const dir = rulesDir ?? (existsSync('rules') ? 'rules' : undefined);
  if (dir === undefined) return undefined;
  const [{ loadRules, startAlerting, printingSink, missingSecrets }, { openStore }, { createDelivery }] =
    await Promise.all([
      import('../rules/index.ts'),
      import('../store/index.ts'),
      import('../notify/index.ts'),
    ]);
  const rules = await loadRules(dir, { env });
  const configured = Object.entries(rules.channels).filter(
    ([, channel]) => missingSecrets(channel, env).length === 0,
  );
  const log = (line: string) => print(`${line}\n`);
  // One connection to FLOWTEL_HOME's SQLite file for alert state and the outbox, so a step's state and
  // its notifications commit together. Without it, alerts would be lost (or repeated by every run): no
  // run starts.
  const store = await openStore({ env, log }).catch((error: unknown) => {
    throw cannotKeepState(error, env);
  });
  const delivery =
    configured.length > 0
      ? await createDelivery({ rules, env, log, store: store.outbox }).catch((error: unknown) => {
          store.close();
          throw cannotKeepState(error, env);
        })
      : undefined;
  // Delivery sends only what is committed: it wakes when notifications are.
  if (delivery)
    store.onCommit(() => {
      void delivery.runDue().catch((error: unknown) => log(`flowtel: delivery failed: ${String(error)}`));
    });
  const printNotification = printingSink(rules, env, (text) => {
    print(text);
    return true;
  });
  const unconfigured = new Set(
    Object.keys(rules.channels).filter(
      (name) => !configured.some(([configuredName]) => configuredName === name),
    ),
  );
  const sink = (notification: Notification) => {
    // Print what cannot be sent, naming the variables to set; deliver the rest.
    const sendable = notification.channels.filter((name) => rules.channels[name] && !unconfigured.has(name));
    if (!delivery || sendable.length < notification.channels.length || sendable.length === 0)
      printNotification(notification);
    if (delivery && sendable.length > 0) delivery.sink({ ...notification, channels: sendable });
  };
  const alerting = await startAlerting({ rules, sink, store: store.alertState, env });
  return {
    traceUrlTemplate: rules.links.trace,
    async finish(deadlineMs, signal) {
      await alerting.stop();
      const started = Date.now();
      // A file that takes no writes cannot record a send either: sending would only repeat it next run.
      const stored = await store.flush(deadlineMs);
      if (delivery && stored) {
        const left = Math.max(0, deadlineMs - (Date.now() - started));
        const { pending } = await delivery.flush(left, signal === undefined ? {} : { signal });
        if (pending > 0) {
          log(
            `flowtel: ${pending} notification(s) not delivered yet; they stay in the outbox and are sent by the next flowtel process`,
          );
        }
      }
      await delivery?.close();
      store.close();
    },
  };
}

/** Why `flowtel run` cannot start with this FLOWTEL_HOME, and what to do about it, in one line. */
export function cannotKeepState(error: unknown, env: Env): UsageError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const fix =
    code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
      ? 'another process holds it locked; try again, or set FLOWTEL_ALERTING=off'
      : 'set FLOWTEL_HOME to a writable folder, or FLOWTEL_ALERTING=off';
  return new UsageError(`cannot keep alert state in ${databasePath(flowtelHome(env))}: ${reason} (${fix})`);
}

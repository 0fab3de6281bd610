import { existsSync } from 'node:fs';
import { embeddedAlertingEnabled } from '../alerts/embedded.ts';
import type { Notification } from '../alerts/types.ts';
import { databasePath, flowtelHome } from '../store/home.ts';
import { registerChannelSecrets } from './secrets.ts';
import { UsageError } from './usage.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunAlerting {
  /** The rules' links; the run summary takes its trace link from them the way messages do. */
  readonly links: { readonly trace?: string };
  /**
   * Delivers what the run produced (grouped notifications included), within `deadlineMs`; `signal`
   * (a Ctrl-C) ends delivery at once, leaving what is unsent in the outbox for the next run.
   */
  finish(deadlineMs: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Embedded alerting for `flowtel run`: the rules folder evaluated on this process's transitions, alert
 * state kept in FLOWTEL_HOME's SQLite file (so the next run resolves what this one fired). Here, and
 * only here, each channel's alerts are routed: configured channels go to delivery (the outbox, then
 * the receiver); channels whose variables are unset, and rules that notify no channel, go to the
 * console notifier, which prints the message and names the variables to set. (A channel URL variable
 * set to something of the wrong shape is a rules error, so `loadRules` refuses it before the run.)
 * Nothing here loads unless there is a rules folder and alerting is not off.
 */
export async function startRunAlerting(
  rulesDir: string | undefined,
  env: Env,
  print: (text: string) => void,
): Promise<RunAlerting | undefined> {
  if (!embeddedAlertingEnabled(env)) return undefined;
  const dir = rulesDir ?? (existsSync('rules') ? 'rules' : undefined);
  if (dir === undefined) return undefined;
  const [{ loadRules, startAlerting, missingSecrets }, { openStore }, { createDelivery, ConsoleNotifier }] =
    await Promise.all([
      import('../rules/index.ts'),
      import('../store/index.ts'),
      import('../notify/index.ts'),
    ]);
  const rules = await loadRules(dir, { env });
  registerChannelSecrets(rules.channels, env);
  const unconfigured = new Map(
    Object.entries(rules.channels)
      .map(([name, channel]) => [name, missingSecrets(channel, env)] as const)
      .filter(([, missing]) => missing.length > 0),
  );
  const log = (line: string) => print(`${line}\n`);
  // One connection to FLOWTEL_HOME's SQLite file for alert state and the outbox, so a step's state and
  // its notifications commit together. Without it, alerts would be lost (or repeated by every run): no
  // run starts.
  const store = await openStore({ env, log }).catch((error: unknown) => {
    throw cannotKeepState(error, env);
  });
  const delivery =
    unconfigured.size < Object.keys(rules.channels).length
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
  const printer = new ConsoleNotifier({ write: print, unconfigured });
  const sink = (notification: Notification) => {
    const sendable = notification.channels.filter((name) => !unconfigured.has(name));
    if (sendable.length < notification.channels.length || sendable.length === 0) {
      void printer.send({ channel: 'console', notifications: [notification] });
    }
    if (delivery && sendable.length > 0) delivery.sink({ ...notification, channels: sendable });
  };
  const alerting = await startAlerting({ rules, sink, store: store.alertState, env });
  return {
    links: rules.links,
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

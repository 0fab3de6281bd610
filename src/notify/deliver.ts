import type { ChannelDefinition } from '../alerts/channels.ts';
import type { Notification } from '../alerts/types.ts';
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { humanDuration } from '../duration.ts';
import { processSecrets } from '../secrets.ts';
import { type DeliveryMetrics, deliveryMetrics } from './metrics.ts';
import { type ChannelLimits, channelLimits, createNotifiers, type NotifierOptions } from './notifiers.ts';
import { newClaimant } from './outbox/claimant.ts';
import { Dispatcher } from './outbox/dispatcher.ts';
import { type OutboxStore, outboxId } from './outbox/store.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import type { Notifier } from './types.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * How long a send still in flight when delivery stops may take to be answered. A receiver slower than
 * the flush deadline has usually accepted the message already: recording its late answer is what
 * keeps it from being sent twice. Short, because `flowtel run` must exit within seconds of the run.
 */
export const ANSWER_GRACE_MS = 2_000;

export interface DeliveryOptions {
  /** The loaded rules; only `channels` is used. */
  readonly rules: { readonly channels: Readonly<Record<string, ChannelDefinition>> };
  /** Where secrets are read from. @default process.env */
  readonly env?: Env;
  /** Folder of `flowtel.db`. @default FLOWTEL_HOME, else ~/.flowtel */
  readonly home?: string;
  /**
   * An outbox to use instead of opening `flowtel.db`: the CLI's shared store (whose enqueues commit with
   * the alert state of the same engine step), or `InMemoryOutboxStore`. Not closed by `close()`.
   */
  readonly store?: OutboxStore;
  /** Notifiers to use instead of the real adapters, by channel name (tests). */
  readonly notifiers?: Readonly<Record<string, Notifier>>;
  readonly clock?: Clock;
  /** Retry schedule; tests shorten `baseDelayMs`. @default DEFAULT_RETRY_POLICY (8 attempts, 1h) */
  readonly retry?: Partial<RetryPolicy>;
  /** Overrides of per-channel pacing and grouping (Slack: 1 message/s, groups of 20). */
  readonly limits?: Readonly<Record<string, Partial<ChannelLimits>>>;
  readonly notifierOptions?: NotifierOptions;
  /** How long a claim holds before another process may take the entry over. @default 60000 */
  readonly leaseMs?: number;
  /** Where delivery reports retries, give-ups and channels it has no notifier for. @default stderr */
  readonly log?: (line: string) => void;
  /** In [0, 1), for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** Sent and failed entries older than this are deleted on start. @default 7 days */
  readonly retentionMs?: number;
  /**
   * Where each notification × channel's outcome is counted; serve passes one that also counts it in its
   * `/metrics`. @default the OTel counter `flowtel.alert.notifications` (`deliveryMetrics()`)
   */
  readonly metrics?: DeliveryMetrics;
}

export interface Delivery {
  /** The rules engine's notification sink: stores the notification (synchronously) and wakes the loop. */
  readonly sink: (notification: Notification) => void;
  /**
   * For shutting down: sends what is due, waiting for retries that fall within `timeoutMs`, and returns
   * how many of this process's notifications are still pending. At the deadline delivery stops
   * claiming; a send still waiting for its receiver gets `ANSWER_GRACE_MS` more (an answer then is
   * recorded), then is cut short and stays pending, due at once, for the next process. `signal` ends it
   * early the same way (a user's Ctrl-C). Call `close()` after.
   */
  flush(timeoutMs?: number, options?: { readonly signal?: AbortSignal }): Promise<{ pending: number }>;
  /** Sends what is due now, once (tests with a fake clock call this after advancing it). */
  runDue(): Promise<void>;
  /**
   * Stops waking up, gives sends in progress `ANSWER_GRACE_MS` for their answer (cut short after), closes
   * the notifiers and the store it opened.
   */
  close(): Promise<void>;
  readonly store: OutboxStore;
}

/**
 * Alert delivery: notifications in, messages that arrive, at least once. Each notification × channel is
 * stored in the outbox before anything is sent, so a crash re-sends it on the next start; sent entries
 * are never sent again. Pending entries left by an earlier process are sent as soon as this one starts.
 */
export async function createDelivery(options: DeliveryOptions): Promise<Delivery> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const channels = options.rules.channels;
  const notifiers = createNotifiers(channels, env, options.notifierOptions);
  for (const [name, notifier] of Object.entries(options.notifiers ?? {})) notifiers.set(name, notifier);

  const store = options.store ?? (await openSqliteOutbox(options.home, env));
  const ownsStore = options.store === undefined;
  const metrics = options.metrics ?? deliveryMetrics();
  const retentionMs = options.retentionMs ?? 7 * 86_400_000;
  store.prune(clock.now() - retentionMs);
  expireStale(store, clock.now(), retentionMs, Object.keys(channels), metrics, log);

  const dispatcher = new Dispatcher({
    store,
    notifiers,
    limits: (name) => ({ ...channelLimits(channels[name]), ...options.limits?.[name] }),
    clock,
    owner: newClaimant(),
    leaseMs: options.leaseMs ?? 60_000,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    random: options.random ?? Math.random,
    metrics,
    log,
  });
  /**
   * Notifications the outbox refused (the file locked past its busy timeout, a full disk): held here,
   * oldest first, and stored at the next chance (the next notification, wake-up or flush).
   */
  const held: Array<{ notification: Notification; channels: string[] }> = [];
  let retryHeld: TimerHandle | undefined;
  /** Stores what is held, oldest first; the error's message when the store still refuses. */
  const storeHeld = (): string | undefined => {
    for (let next = held[0]; next !== undefined; next = held[0]) {
      try {
        store.enqueue(next.notification, next.channels, clock.now());
      } catch (error) {
        retryHeld ??= clock.setTimer(clock.now() + 5_000, () => {
          retryHeld = undefined;
          wake();
        });
        return error instanceof Error ? error.message : String(error);
      }
      held.shift();
    }
    return undefined;
  };
  const runDue = async () => {
    storeHeld();
    await dispatcher.runDue();
  };
  const wake = () => {
    setImmediate(() => {
      void runDue().catch((error: unknown) => log(`flowtel: delivery failed: ${String(error)}`));
    });
  };

  /**
   * The entries this process stored, for its flush to report those not delivered yet: not the file's
   * other pending entries, which other processes may be sending right now.
   */
  const mine = new Set<string>();
  const minePending = () => {
    let pending = 0;
    for (const id of mine) {
      const status = store.get(id)?.status;
      if (status === 'pending') pending += 1;
      else if (status !== undefined) mine.delete(id);
    }
    return pending;
  };

  const sink = (notification: Notification) => {
    const sendable: string[] = [];
    for (const channel of notification.channels) {
      if (notifiers.has(channel)) {
        sendable.push(channel);
        continue;
      }
      // The CLI hands delivery only channels it can send to (it prints the others): this is a caller's
      // mistake, said and counted rather than stored where nothing could ever send it.
      log(
        `flowtel: rule '${notification.rule}' notifies channel '${channel}', which delivery has no notifier for (not defined, or its variables are unset); not sent there`,
      );
      metrics.count('dropped', channel, notification.rule);
    }
    if (sendable.length === 0) return;
    for (const channel of sendable) mine.add(outboxId(notification.id, channel));
    // The delivery choke point of redaction by value: what is stored is what every channel sends.
    held.push({ notification: processSecrets().redactDeep(notification), channels: sendable });
    const error = storeHeld();
    if (error !== undefined) {
      // Not stored is not lost yet: held in memory and stored when the file takes writes again.
      log(
        `flowtel: could not store the notification of rule '${notification.rule}' in the outbox (${error}); holding it until the file takes writes again`,
      );
      return;
    }
    wake();
  };

  /** At the end of a flush: what could never be stored is lost with this process; say what it was. */
  const reportHeld = () => {
    if (held.length === 0 || storeHeld() === undefined) return;
    for (const { notification, channels } of held) {
      for (const channel of channels) metrics.count('failed', channel, notification.rule);
    }
    const what = held.map(
      ({ notification }) =>
        `  rule '${notification.rule}': ${notification.alerts.map((a) => a.summary).join('; ')}`,
    );
    log(
      `flowtel: ${held.length} notification(s) could not be stored in the outbox and are not delivered:\n${what.join('\n')}`,
    );
    held.length = 0;
  };

  // What an earlier process left pending (or claimed and then crashed) goes out now.
  wake();

  return {
    sink,
    runDue,
    flush: async (timeoutMs = 5_000, flushOptions = {}) => {
      storeHeld();
      const result = await flush(dispatcher, minePending, clock, timeoutMs, flushOptions.signal);
      reportHeld();
      return result;
    },
    close: async () => {
      retryHeld?.cancel();
      reportHeld();
      await dispatcher.close(ANSWER_GRACE_MS);
      await Promise.all([...notifiers.values()].map((n) => n.close?.()));
      if (ownsStore) store.close();
    },
    store,
  };
}

async function flush(
  dispatcher: Dispatcher,
  minePending: () => number,
  clock: Clock,
  timeoutMs: number,
  signal: AbortSignal | undefined,
) {
  const deadline = clock.now() + timeoutMs;
  // The clock's timers do not keep the process alive; a flush must, until it returns.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  let cutShort = false;
  let wake = () => {};
  const cut = () => {
    cutShort = true;
    void dispatcher.close(ANSWER_GRACE_MS);
    wake();
  };
  const stopAt = clock.setTimer(deadline, cut);
  signal?.addEventListener('abort', cut, { once: true });
  if (signal?.aborted) cut();
  try {
    for (;;) {
      await dispatcher.runDue();
      const next = dispatcher.nextWakeAt();
      if (cutShort || next === undefined || next > deadline) break;
      await new Promise<void>((resolve) => {
        const timer = clock.setTimer(next, resolve);
        wake = () => {
          timer.cancel();
          resolve();
        };
      });
    }
  } finally {
    stopAt.cancel();
    signal?.removeEventListener('abort', cut);
    clearInterval(keepAlive);
  }
  // Sends answered within the grace, or cut short, record their entries as they stop: wait for that.
  if (cutShort) await dispatcher.close(ANSWER_GRACE_MS);
  return { pending: minePending() };
}

/**
 * Pending entries of channels the loaded rules no longer define, older than the retention period: given
 * up, counted as failed and reported, instead of waiting forever. A channel still defined keeps its
 * entries however old they are: it may come back (a weekly job after a Slack outage), or be configured
 * where another flowtel process runs.
 */
function expireStale(
  store: OutboxStore,
  now: number,
  retentionMs: number,
  defined: readonly string[],
  metrics: DeliveryMetrics,
  log: (line: string) => void,
): void {
  const day = 86_400_000;
  const age = retentionMs % day === 0 ? `${retentionMs / day} days` : humanDuration(retentionMs);
  const expired = store.expire({
    createdBefore: now - retentionMs,
    now,
    reason: `expired: not sent within ${age}, and no rules file defines its channel any more`,
    keep: defined,
  });
  if (expired.length === 0) return;
  for (const entry of expired) metrics.count('failed', entry.channel, entry.rule);
  const channels = [...new Set(expired.map((e) => e.channel))].map((c) => `'${c}'`).join(', ');
  log(
    `flowtel: gave up on ${expired.length} notification(s) for channel ${channels}, which no rules file defines any more, unsent for ${age}`,
  );
}

async function openSqliteOutbox(home: string | undefined, env: Env): Promise<OutboxStore> {
  const { openDatabase } = await import('../store/sqlite.ts');
  const { SqliteOutboxStore } = await import('../store/outbox.ts');
  const db = await openDatabase({ env, ...(home === undefined ? {} : { home }) });
  return new SqliteOutboxStore(db, { ownsDb: true });
}

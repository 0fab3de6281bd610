/**
 * `--forward <url>`: every request the receiver accepted goes, unchanged (its bytes, Content-Type and
 * Content-Encoding), to `<url>/v1/{traces,logs,metrics}`, so pointing exporters at serve takes nothing
 * away from a Collector or Tempo behind it. Off the answer's path: requests wait in a queue bounded in
 * bytes, and one sender works through it in order. 429, 5xx, timeouts and network errors are retried
 * with backoff (honouring Retry-After); a redirect or another 4xx drops the request (the upstream will
 * never take it). Drops are counted, and reported once per episode. The URL's credentials are sent as
 * Basic authorization and never printed.
 */
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { parseRetryAfter } from '../notify/retry-policy.ts';
import type { AcceptedRequest } from './otlp/http-handler.ts';

export interface ForwarderOptions {
  /** The upstream's base URL; `/v1/<signal>` is appended to its path. */
  url: string;
  /** Bytes of request bodies held while the upstream is slow or down; new requests past it are dropped. @default 64 MiB */
  maxQueueBytes?: number;
  /** First backoff wait; doubles on each retry of a request, with jitter. @default 500 */
  initialBackoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** A request still failing this long after its first attempt is dropped. @default 300000 (5 min) */
  maxElapsedMs?: number;
  /** @default 10000 */
  requestTimeoutMs?: number;
  clock?: Clock;
  /** Where drops and recoveries are reported. @default stderr */
  warn?: (message: string) => void;
  /** In [0, 1): the jitter. @default Math.random */
  random?: () => number;
}

export type ForwardDrop = 'queue-full' | 'refused' | 'redirect' | 'expired';

export interface ForwardStats {
  forwarded: number;
  retries: number;
  queued: number;
  queuedBytes: number;
  dropped: Record<ForwardDrop, number>;
}

export interface Forwarder {
  /** Queues a copy of an accepted request; returns at once. */
  forward(request: AcceptedRequest): void;
  stats(): ForwardStats;
  /** Sends what is queued for at most `timeoutMs`, then stops; true when nothing was left behind. */
  close(timeoutMs?: number): Promise<boolean>;
}

const forwardDefaults = {
  maxQueueBytes: 64 * 1024 * 1024,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  maxElapsedMs: 300_000,
  requestTimeoutMs: 10_000,
};

interface Queued {
  readonly request: AcceptedRequest;
  readonly firstAttemptAt: number;
  attempts: number;
}

type Attempt =
  | { kind: 'sent' }
  | { kind: 'retry'; afterMs?: number }
  | { kind: 'drop'; why: ForwardDrop; detail: string };

/** The upstream's base URL, its Basic credentials, and how to name it without them. */
export function parseForwardUrl(value: string): { base: URL; authorization?: string; display: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('--forward must be an http(s) URL such as http://collector:4318');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('--forward must start with http:// or https://');
  }
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  url.username = '';
  url.password = '';
  // Neither credentials nor the query (which may hold a token) are ever printed.
  const display = `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
  return { base: url, ...(authorization ? { authorization } : {}), display };
}

function targetOf(base: URL, signal: string): string {
  const target = new URL(base);
  target.pathname = `${base.pathname.replace(/\/$/, '')}/v1/${signal}`;
  return target.toString();
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const settings = { ...forwardDefaults, ...definedOnly(options) };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const warn = options.warn ?? ((message: string) => void process.stderr.write(`flowtel: ${message}\n`));
  const { base, authorization, display } = parseForwardUrl(options.url);
  const queue: Queued[] = [];
  const stats: ForwardStats = {
    forwarded: 0,
    retries: 0,
    queued: 0,
    queuedBytes: 0,
    dropped: { 'queue-full': 0, refused: 0, redirect: 0, expired: 0 },
  };
  /** Drops since the last request that went through, by why: reported when an episode starts and ends. */
  let episode: Partial<Record<ForwardDrop, number>> = {};
  let pumping: Promise<void> | undefined;
  let closed = false;
  const inflight = new AbortController();
  let backoff: { handle: TimerHandle; wake: () => void } | undefined;

  function drop(why: ForwardDrop, detail: string): void {
    stats.dropped[why]++;
    if (episode[why] === undefined) warn(`forward to ${display}: ${detail}; dropping requests (${why})`);
    episode[why] = (episode[why] ?? 0) + 1;
  }

  function recovered(): void {
    const dropped = Object.values(episode).reduce((sum, n) => sum + n, 0);
    if (dropped > 0) warn(`forward to ${display}: sending again, after dropping ${dropped} requests`);
    episode = {};
  }

  async function attempt(item: Queued): Promise<Attempt> {
    const { request } = item;
    const headers: Record<string, string> = { 'content-type': request.contentType };
    if (request.contentEncoding) headers['content-encoding'] = request.contentEncoding;
    if (authorization) headers.authorization = authorization;
    let response: Response;
    try {
      response = await fetch(targetOf(base, request.signal), {
        method: 'POST',
        headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([inflight.signal, AbortSignal.timeout(settings.requestTimeoutMs)]),
      });
      await response.arrayBuffer(); // read to the end, so the connection is reused
    } catch {
      return { kind: 'retry' };
    }
    const { status } = response;
    if (status >= 200 && status < 300) return { kind: 'sent' };
    if (status === 429 || status >= 500) {
      const afterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
      return afterMs === undefined ? { kind: 'retry' } : { kind: 'retry', afterMs };
    }
    if (status >= 300 && status < 400)
      return { kind: 'drop', why: 'redirect', detail: `answered ${status} (redirects are not followed)` };
    return { kind: 'drop', why: 'refused', detail: `answered ${status}` };
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        backoff = undefined;
        resolve();
      };
      backoff = { handle: clock.setTimer(clock.now() + ms, wake), wake };
    });
  }

  function shift(): void {
    const item = queue.shift();
    if (item) stats.queuedBytes -= item.request.body.length;
    stats.queued = queue.length;
  }

  async function pump(): Promise<void> {
    while (queue.length > 0 && !inflight.signal.aborted) {
      const item = queue[0]!;
      item.attempts++;
      const outcome = await attempt(item);
      if (inflight.signal.aborted) return;
      if (outcome.kind === 'sent') {
        stats.forwarded++;
        recovered();
        shift();
      } else if (outcome.kind === 'drop') {
        drop(outcome.why, outcome.detail);
        shift();
      } else {
        const step = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** (item.attempts - 1));
        const delayMs = outcome.afterMs ?? Math.round(step / 2 + (step / 2) * random());
        if (clock.now() + delayMs - item.firstAttemptAt > settings.maxElapsedMs) {
          drop('expired', `still failing after ${Math.round(settings.maxElapsedMs / 1000)} s`);
          shift();
          continue;
        }
        stats.retries++;
        await wait(delayMs);
      }
    }
  }

  function start(): void {
    pumping ??= pump().finally(() => {
      pumping = undefined;
      if (queue.length > 0 && !inflight.signal.aborted) start();
    });
  }

  return {
    forward(request) {
      if (closed) return;
      const bytes = request.body.length;
      if (stats.queuedBytes + bytes > settings.maxQueueBytes) {
        drop('queue-full', `the queue holds ${settings.maxQueueBytes} bytes and is full`);
        return;
      }
      queue.push({ request, firstAttemptAt: clock.now(), attempts: 0 });
      stats.queuedBytes += bytes;
      stats.queued = queue.length;
      start();
    },
    stats: () => ({ ...stats, dropped: { ...stats.dropped } }),
    async close(timeoutMs = 5_000) {
      closed = true;
      const drained = pumping ?? Promise.resolve();
      let timer: TimerHandle | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = clock.setTimer(clock.now() + timeoutMs, resolve);
      });
      await Promise.race([drained, timedOut]);
      timer?.cancel();
      const complete = queue.length === 0;
      inflight.abort();
      if (backoff) {
        backoff.handle.cancel();
        backoff.wake();
      }
      await pumping;
      return complete;
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

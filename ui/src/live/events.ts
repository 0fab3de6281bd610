import { signal } from '@preact/signals';
import type { LiveEvent } from '../api/types.ts';

/**
 * The app's one EventSource on /api/v1/events. Pages subscribe to batches and to `reset` (refetch all).
 * While the tab is hidden the stream is closed (Paused) and reopened with the last id when it shows again,
 * so serve replays what was missed; a lost connection shows Offline and is retried.
 */
export type LiveStatus = 'Live' | 'Paused' | 'Offline';
export const liveStatus = signal<LiveStatus>('Offline');
/** True from a connection error until the stream is open again (not while the first connect is under way). */
export const connectionLost = signal(false);

type BatchListener = (events: LiveEvent[]) => void;
type ResetListener = () => void;
const batchListeners = new Set<BatchListener>();
const resetListeners = new Set<ResetListener>();

let source: EventSource | null = null;
let lastId: string | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

export function onBatch(listener: BatchListener): () => void {
  batchListeners.add(listener);
  return () => batchListeners.delete(listener);
}
export function onReset(listener: ResetListener): () => void {
  resetListeners.add(listener);
  return () => resetListeners.delete(listener);
}

function open(): void {
  if (source) return;
  const url = lastId === null ? '/api/v1/events' : `/api/v1/events?lastEventId=${encodeURIComponent(lastId)}`;
  const es = new EventSource(url);
  source = es;
  es.onopen = () => {
    liveStatus.value = 'Live';
    connectionLost.value = false;
  };
  es.addEventListener('batch', (message) => {
    const event = message as MessageEvent<string>;
    if (event.lastEventId) lastId = event.lastEventId;
    liveStatus.value = 'Live';
    let events: LiveEvent[];
    try {
      events = (JSON.parse(event.data) as { events: LiveEvent[] }).events ?? [];
    } catch {
      return;
    }
    if (events.length > 0) for (const listener of batchListeners) listener(events);
  });
  es.addEventListener('reset', (message) => {
    const event = message as MessageEvent<string>;
    if (event.lastEventId) lastId = event.lastEventId;
    for (const listener of resetListeners) listener();
  });
  es.onerror = () => {
    if (document.hidden) return;
    liveStatus.value = 'Offline';
    connectionLost.value = true;
    // EventSource retries by itself while CONNECTING; once CLOSED (a non-200 answer) we retry ourselves.
    if (es.readyState === EventSource.CLOSED) {
      close();
      liveStatus.value = 'Offline';
      if (retryTimer === null) {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          if (!document.hidden) open();
        }, 3000);
      }
    }
  };
}

function close(): void {
  source?.close();
  source = null;
}

export function startLive(): void {
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      close();
      liveStatus.value = 'Paused';
      connectionLost.value = false;
    } else {
      liveStatus.value = 'Offline';
      open();
    }
  });
  if (document.hidden) liveStatus.value = 'Paused';
  else open();
}

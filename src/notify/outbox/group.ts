import type { Notification } from '../../alerts/types.ts';
import type { Message } from '../types.ts';
import type { OutboxEntry } from './store.ts';

/**
 * Merges the entries claimed together for one channel into one message: the notifications that
 * queued up while the channel was paced (or down) arrive as one grouped message, not a burst.
 */
export function toMessage(channel: string, entries: readonly OutboxEntry[]): Message {
  const byId = new Map<string, Notification>();
  for (const entry of entries) byId.set(entry.notification.id, entry.notification);
  const notifications = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { channel, notifications };
}

/**
 * Alert delivery: the outbox and its loop, one adapter per receiver. The rules engine hands
 * notifications to `createDelivery(...).sink`; the CLI calls `notifyTest` for `flowtel notify test`.
 */

export { type NotifyTestOptions, notifyTest } from './commands/notify-test.ts';
export { ConsoleNotifier, type ConsoleNotifierOptions } from './console/notifier.ts';
export { createDelivery, type Delivery, type DeliveryOptions } from './deliver.ts';
export { InMemoryNotifier } from './memory-notifier.ts';
export { type ChannelLimits, channelLimits, createNotifier, createNotifiers } from './notifiers.ts';
export { InMemoryOutboxStore } from './outbox/memory-store.ts';
export type { OutboxEntry, OutboxStatus, OutboxStore } from './outbox/store.ts';
export { DEFAULT_RETRY_POLICY, decideRetry, type RetryDecision, type RetryPolicy } from './retry-policy.ts';
export type { DeliveryFailure, Message, Notifier, SendOutcome } from './types.ts';

import type { Message, Notifier, SendOutcome } from '../types.ts';

/** What a send resolves to when delivery stopped before the receiver answered. */
export const INTERRUPTED = Symbol('interrupted');

/**
 * The notifier's outcome, or `INTERRUPTED` as soon as `stop` aborts: a receiver that hangs never
 * holds up a shutdown. The notifier gets the same signal, to stop waiting for its receiver.
 */
export async function sendUnlessStopped(
  notifier: Notifier,
  message: Message,
  stop: AbortSignal,
): Promise<SendOutcome | typeof INTERRUPTED> {
  let onAbort = () => {};
  const interrupted = new Promise<typeof INTERRUPTED>((resolve) => {
    onAbort = () => resolve(INTERRUPTED);
    stop.addEventListener('abort', onAbort, { once: true });
  });
  // `send` never throws by contract; a bug in an adapter must still not lose the entries.
  const sending = notifier.send(message, { signal: stop }).catch(
    (error: unknown): SendOutcome => ({
      ok: false,
      failure: {
        kind: 'network',
        reason: `notifier crashed: ${error instanceof Error ? error.name : 'error'}`,
      },
    }),
  );
  try {
    return await Promise.race([sending, interrupted]);
  } finally {
    stop.removeEventListener('abort', onAbort);
  }
}

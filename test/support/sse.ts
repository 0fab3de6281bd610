import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';

/** One server-sent event as a client reads it. */
export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly response: IncomingMessage;
  /** Every message read so far, in order (comments such as `: keepalive` are in `comments`). */
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** The first message (after `from`, an index into `messages`) that `accept` takes; fails after `timeoutMs`. */
  next(accept: (message: SseMessage) => boolean, from?: number, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/**
 * A plain HTTP client reading `text/event-stream` (the wire format of EventSource: `field: value`
 * lines, a blank line ending each message), so tests see exactly what a browser would get.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    let request: ClientRequest | undefined;
    let ended = false;
    request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line.slice(1).trim());
              continue;
            }
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
          }
          if (fields.data === undefined && fields.event === undefined) continue;
          messages.push({ id: fields.id, event: fields.event ?? 'message', data: fields.data ?? '' });
        }
        for (const wake of waiters) wake();
      });
      response.on('close', () => {
        ended = true;
        for (const wake of waiters) wake();
      });
      resolve({
        response,
        messages,
        comments,
        next(accept, from = 0, timeoutMs = 30_000) {
          return new Promise((done, fail) => {
            const check = () => {
              const found = messages.slice(from).find(accept);
              if (found) {
                cleanup();
                done(found);
              } else if (ended) {
                cleanup();
                fail(new Error(`the stream ended; messages: ${JSON.stringify(messages).slice(0, 2000)}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(
                new Error(`no such message in ${timeoutMs} ms: ${JSON.stringify(messages).slice(0, 2000)}`),
              );
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        close() {
          request?.destroy();
          request = undefined;
        },
      });
    });
    request.on('error', (error) => {
      if (!ended) reject(error);
    });
    request.end();
  });
}

/** The events of a `batch` message. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the stream carries
export function batchEvents(message: SseMessage): any[] {
  return message.event === 'batch' ? (JSON.parse(message.data) as { events: unknown[] }).events : [];
}

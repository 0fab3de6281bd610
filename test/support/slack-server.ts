import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server speaking Slack's incoming-webhook contract: 200 `ok` by default, or scripted
 * answers (429 with Retry-After, 500, 404 `no_service`, a response that never comes).
 */
export type SlackReply = { status: number; body: string; headers?: Record<string, string> } | { hang: true };

export const SlackReplies = {
  ok: { status: 200, body: 'ok' },
  rateLimited: (retryAfterSeconds: number): SlackReply => ({
    status: 429,
    body: 'rate_limited',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: { status: 500, body: 'internal_error' },
  noService: { status: 404, body: 'no_service' },
  invalidPayload: { status: 400, body: 'invalid_payload' },
  hang: { hang: true },
} as const satisfies Record<string, SlackReply | ((n: number) => SlackReply)>;

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  readonly reply: SlackReply;
}

export interface SlackServer {
  /** The webhook URL, with a secret-looking path (so tests can check it never leaks). */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests answered 200. */
  accepted(): ReceivedRequest[];
  /** Queues answers for the next requests; afterwards it answers 200 `ok`. */
  reply(...replies: SlackReply[]): void;
  close(): Promise<void>;
}

export const SECRET_PATH = '/services/T0SECRET/B0SECRET/xoxSecretToken123';

export async function startSlackServer(): Promise<SlackServer> {
  const script: SlackReply[] = [];
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply: SlackReply = script.shift() ?? SlackReplies.ok;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      requests.push({ path: req.url ?? '', headers: req.headers, body, reply });
      if ('hang' in reply) {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${SECRET_PATH}`,
    requests,
    accepted: () => requests.filter((r) => !('hang' in r.reply) && r.reply.status === 200),
    reply: (...replies) => script.push(...replies),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  /** Wall-clock time (ms) the whole request body had arrived. */
  readonly atMs: number;
  readonly body: unknown;
}

export interface HookServer {
  /** A secret-looking URL, as a real webhook's is. */
  readonly url: string;
  readonly arrivals: Arrival[];
  close(): Promise<void>;
}

/**
 * A loopback receiver for alert messages that notes when each arrived. It answers 200 `ok`, which is
 * both a webhook's success and Slack's incoming-webhook contract (see `test/support/slack-server.ts`).
 */
export async function startHookServer(): Promise<HookServer> {
  const arrivals: Arrival[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const atMs = Date.now();
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      arrivals.push({ atMs, body });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0BENCH/B0BENCH/benchSecret`,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

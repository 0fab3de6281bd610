/**
 * A raw OTLP upstream on loopback for `--forward` tests: it keeps every request's bytes and headers
 * as they arrived, and can be told to be down (connections dropped), to answer a status, or to hold
 * its answers until a gate opens.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamRequest {
  path: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}

export type UpstreamMode =
  | { kind: 'accept' }
  | { kind: 'down' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'hold'; until: Promise<void> };

export interface Upstream {
  url: string;
  /** Requests it answered 2xx, in order. */
  received: UpstreamRequest[];
  /** Every request that reached it, whatever it answered. */
  attempts: number;
  mode: UpstreamMode;
  /** Resolves once `count` requests were accepted. */
  waitForAccepted(count: number): Promise<void>;
  close(): Promise<void>;
}

function read(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startUpstream(mode: UpstreamMode = { kind: 'accept' }): Promise<Upstream> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const upstream: Upstream = {
    url: '',
    received: [],
    attempts: 0,
    mode,
    waitForAccepted: (count) =>
      new Promise((resolve) => {
        waiters.push({ count, resolve });
        settle();
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  function settle() {
    for (const waiter of [...waiters]) {
      if (upstream.received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
  const server = createServer(async (request, response) => {
    upstream.attempts++;
    const current = upstream.mode;
    if (current.kind === 'down') {
      request.socket.destroy();
      return;
    }
    const body = await read(request);
    if (current.kind === 'status') {
      response.writeHead(current.status, current.headers ?? {});
      response.end();
      return;
    }
    if (current.kind === 'hold') await current.until;
    upstream.received.push({
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      contentEncoding: request.headers['content-encoding'],
      authorization: request.headers.authorization,
      body,
    });
    settle();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}

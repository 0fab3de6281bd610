import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback webhook receiver (Slack's contract: 200 `ok`) whose answers wait for the test: while held,
 * each request is read, counted and left unanswered until `answer()`. `received(n)` is the gate a test
 * awaits instead of sleeping: it resolves once n requests have arrived. `refuse` answers, at once, the
 * bodies it picks with its own error (as Slack answers 400 `invalid_blocks` to a block it cannot render).
 */
export interface GatedReceiver {
  readonly url: string;
  /** Requests whose body has arrived, answered or not. */
  readonly bodies: string[];
  received(n: number): Promise<void>;
  /** Answers the held requests with 200 `ok`, and every later one at once. */
  answer(): void;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  readonly held: boolean;
  readonly refuse?: (body: string) => { status: number; body: string } | undefined;
}

export async function startGatedReceiver(options: ReceiverOptions): Promise<GatedReceiver> {
  let held = options.held;
  const bodies: string[] = [];
  const waiting: ServerResponse[] = [];
  const gates: { n: number; resolve: () => void }[] = [];
  const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      for (const gate of gates.filter((g) => bodies.length >= g.n)) gate.resolve();
      const refusal = options.refuse?.(body);
      if (refusal !== undefined)
        res.writeHead(refusal.status, { 'content-type': 'text/plain' }).end(refusal.body);
      else if (held) waiting.push(res);
      else ok(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T0GATED/B0GATED/gatedSecret`,
    bodies,
    received: (n) =>
      bodies.length >= n ? Promise.resolve() : new Promise((resolve) => gates.push({ n, resolve })),
    answer: () => {
      held = false;
      for (const res of waiting.splice(0)) if (!res.destroyed) ok(res);
    },
    close: async () => {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { Signal } from './config.ts';
import { SHUT_DOWN } from './export-guard.ts';

type RetryResult = { status: 'failure'; error: Error };
interface RetryingTransport {
  retry?: (data: Uint8Array, timeoutMillis: number, inMillis: number) => Promise<unknown>;
  _transport?: { send(data: Uint8Array, timeoutMillis: number): Promise<unknown> };
}

/**
 * The exporters' sockets and retry timers, owned here so that a shutdown can end them. Without this a
 * request to a hanging endpoint holds its socket, and a refused one its retry timer (up to 5 s), past
 * the shutdown deadline, and keeps the process alive. `close()` destroys every socket with an error the
 * exporter does not retry, cancels pending retries, and refuses new connections.
 */
export class Connections {
  private readonly sockets = new Set<Socket>();
  private readonly retries = new Map<NodeJS.Timeout, (result: RetryResult) => void>();
  private closed = false;

  /**
   * The exporters' `httpAgentOptions`. Giving a factory replaces the exporter's own, so this one also
   * reads the `OTEL_EXPORTER_OTLP_[<SIGNAL>_]CERTIFICATE`/`CLIENT_KEY`/`CLIENT_CERTIFICATE` files that the
   * exporter's would (Node modules loaded lazily, as the exporter asks of agent factories).
   */
  agentFactory(signal: Signal): (protocol: string) => Promise<Agent> {
    return async (protocol) => {
      const agent =
        protocol === 'http:'
          ? new (await import('node:http')).Agent({ keepAlive: true })
          : new (await import('node:https')).Agent({ keepAlive: true, ...tlsFiles(signal) });
      const create = (agent as unknown as { createConnection: (...args: unknown[]) => Socket })
        .createConnection;
      Object.assign(agent, {
        createConnection: (...args: unknown[]) => {
          const socket = create.apply(agent, args);
          if (this.closed) socket.destroy(shutDown());
          this.sockets.add(socket);
          socket.once('close', () => this.sockets.delete(socket));
          return socket;
        },
      });
      return agent;
    };
  }

  /**
   * Makes the exporter's retry waits cancellable by `close()`. This reaches into the exporter's private
   * retrying transport (`_delegate._transport`, otlp-exporter-base 0.2xx), which offers no other way; if
   * that shape ever changes, nothing is patched and only the cancelling of retries at shutdown is lost.
   */
  adopt(exporter: object): void {
    const transport = (exporter as { _delegate?: { _transport?: RetryingTransport } })._delegate?._transport;
    const inner = transport?._transport;
    if (typeof transport?.retry !== 'function' || typeof inner?.send !== 'function') return;
    transport.retry = (data, timeoutMillis, inMillis) =>
      new Promise((resolve, reject) => {
        if (this.closed) return resolve({ status: 'failure', error: shutDown() });
        // A `Retry-After` date already past gives a negative wait, which Node 24 warns about
        // (TimeoutNegativeWarning) before treating it as 1 ms: it means "now".
        const timer = setTimeout(
          () => {
            this.retries.delete(timer);
            inner.send(data, timeoutMillis).then(resolve, reject);
          },
          Math.max(0, inMillis),
        );
        this.retries.set(timer, resolve);
      });
  }

  /** Resolves once the destroyed sockets have closed (a turn or two of the event loop; 200 ms at most). */
  close(): Promise<void> {
    this.closed = true;
    for (const [timer, resolve] of this.retries) {
      clearTimeout(timer);
      resolve({ status: 'failure', error: shutDown() });
    }
    this.retries.clear();
    // An error without a `code`: the exporter treats it as final, not as a network error to retry.
    const closing = [...this.sockets].map(
      (socket) => new Promise((resolve) => socket.once('close', resolve)),
    );
    for (const socket of this.sockets) socket.destroy(shutDown());
    if (closing.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 200);
      void Promise.all(closing).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function shutDown(): Error {
  return new Error(SHUT_DOWN);
}

function tlsFiles(signal: Signal): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (suffix: string) => {
    const name = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${suffix}`;
    const path = process.env[name] || process.env[`OTEL_EXPORTER_OTLP_${suffix}`];
    return path ? { [suffix]: readFileSync(path) } : {};
  };
  const files = { ...read('CERTIFICATE'), ...read('CLIENT_CERTIFICATE'), ...read('CLIENT_KEY') };
  return {
    ...(files.CERTIFICATE ? { ca: files.CERTIFICATE } : {}),
    ...(files.CLIENT_CERTIFICATE ? { cert: files.CLIENT_CERTIFICATE } : {}),
    ...(files.CLIENT_KEY ? { key: files.CLIENT_KEY } : {}),
  };
}

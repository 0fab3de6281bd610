import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../clock.ts';
import { checkBindSafety, guardChange, isReadOnly } from './auth.ts';
import { BackendError, type ServeBackend } from './backend.ts';
import { DEFAULT_MAX_BODY_BYTES } from './body.ts';
import { ApiError } from './errors.ts';
import { errorReply, internalErrorReply, sendReply } from './respond.ts';
import { type Route, Router } from './router.ts';
import { alertRoutes } from './routes/alerts.ts';
import { flowRoutes } from './routes/flows.ts';
import { healthRoute } from './routes/health.ts';
import type { ApiContext } from './routes/json-route.ts';
import { runLogRoutes } from './routes/run-logs.ts';
import { runRoutes } from './routes/runs.ts';
import { silenceRoutes } from './routes/silences.ts';

export interface ApiServerOptions {
  readonly backend: ServeBackend;
  /**
   * The bearer token every changing request (POST, DELETE) needs; undefined or '' leaves them open,
   * which is allowed on a loopback host only (see `checkBindSafety`). Never logged or echoed.
   */
  readonly token?: string | undefined;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port (`url` says which). @default 4100 */
  readonly port?: number;
  /** Where server faults go (what made a 500); never a request's headers or body. @default stderr */
  readonly log?: (message: string) => void;
  /**
   * Routes besides the API's (serve's `/metrics`, the run UI), answered by their own handlers; a
   * changing one is guarded like the API's. The API's routes win where both match.
   */
  readonly extraRoutes?: readonly Route[];
  /** Decides which silences have ended. @default the system clock */
  readonly clock?: Clock;
  /** @default 256 KiB (`DEFAULT_MAX_BODY_BYTES`) */
  readonly maxBodyBytes?: number;
}

export interface ApiServer {
  /** `http://host:port`, with the port picked when 0 was asked for. */
  readonly url: string;
  /** Stops listening and closes open connections (keep-alive ones too). */
  close(): Promise<void>;
}

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 4100;

/**
 * Serve's HTTP API on `node:http`: the JSON endpoints under `/api/v1`, `/healthz` and the extra routes,
 * reads open, changes guarded (`auth.ts`), every refusal as `{ error, details? }` with its status.
 */
export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? DEFAULT_API_HOST;
  const token = options.token === '' ? undefined : options.token;
  checkBindSafety(host, token);
  const log = options.log ?? ((message: string) => console.error(`flowtel serve: ${message}`));
  const context: ApiContext = {
    backend: options.backend,
    clock: options.clock ?? systemClock,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
  const router = new Router([
    healthRoute(context),
    ...flowRoutes(context),
    ...runRoutes(context),
    ...runLogRoutes(context),
    ...alertRoutes(context),
    ...silenceRoutes(context),
    ...(options.extraRoutes ?? []),
  ]);

  const server = createServer((request, response) => {
    void answer(router, token, log, request, response);
  });
  await listen(server, host, options.port ?? DEFAULT_API_PORT);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  router: Router,
  token: string | undefined,
  log: (message: string) => void,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  // The raw target, not `new URL(...)`, which throws on some malformed ones.
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  try {
    const match = router.match(method, path);
    if (match.route === undefined) throw unmatched(method, path, match.allow);
    if (!isReadOnly(method)) guardChange(request, token);
    await match.route.handle(request, response, match.params);
  } catch (error) {
    if (error instanceof ApiError) return sendReply(response, errorReply(error));
    if (error instanceof BackendError) {
      return sendReply(response, errorReply(new ApiError(error.status, error.message, error.details)));
    }
    // The client went away mid-request (its body cut off): nobody to answer, and nothing broke.
    if (request.socket.destroyed) return;
    log(
      `${method} ${path.slice(0, 200)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    sendReply(response, internalErrorReply());
  }
}

function unmatched(method: string, path: string, allow: readonly string[]): ApiError {
  if (allow.length === 0) {
    return new ApiError(404, `no endpoint ${method} ${path.slice(0, 200)} (the API is under /api/v1)`);
  }
  return new ApiError(405, `${path.slice(0, 200)} takes ${allow.join(', ')}, not ${method}`, undefined, {
    allow: allow.join(', '),
  });
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is in use (--port picks another, 0 a free one)'
          : error.message;
      reject(new Error(`serve's API cannot listen on ${host}:${port}: ${reason}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

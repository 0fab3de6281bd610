import { type ApiServer, type ApiServerOptions, createApiServer } from '../../src/server/api.ts';
import { MemoryServeBackend } from './serve-backend.ts';

export interface TestApi extends ApiServer {
  readonly backend: MemoryServeBackend;
  /** What the server logged (its faults). */
  readonly logged: string[];
}

/** Serve's API on a free loopback port over an in-memory backend (one is made when none is given). */
export async function startApi(
  options: Partial<Omit<ApiServerOptions, 'backend'>> & { backend?: MemoryServeBackend } = {},
): Promise<TestApi> {
  const backend = options.backend ?? new MemoryServeBackend();
  const logged: string[] = [];
  const server = await createApiServer({
    host: '127.0.0.1',
    port: 0,
    log: (line) => void logged.push(line),
    clock: backend.clock,
    ...options,
    backend,
  });
  return { url: server.url, close: () => server.close(), backend, logged };
}

/** An API answer as tests read it: loosely typed, since each test asserts the fields it expects. */
// biome-ignore lint/suspicious/noExplicitAny: answers of every shape, checked by the assertions themselves
export type Json = any;

/** The answer's JSON body. */
export async function jsonOf(response: Response): Promise<Json> {
  return response.json();
}

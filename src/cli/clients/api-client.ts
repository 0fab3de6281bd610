import { ConfigError } from '../../errors.ts';
import type { CliIo } from '../io.ts';

/** Where the CLI clients look for serve when FLOWTEL_API_URL is not set. */
export const DEFAULT_API_URL = 'http://127.0.0.1:4100';

/** A request serve refused or could not take: one message for the user, exit 1. */
export class RequestRefused extends Error {
  override readonly name = 'RequestRefused';
  constructor(
    message: string,
    /** The HTTP status, or undefined when serve was not reached. */
    readonly status?: number,
    /** The `details` of the API's error answer. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiClient {
  readonly url: string;
  /** Sends a request; the parsed JSON answer (undefined for 204), or a `RequestRefused`. */
  request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

/**
 * The client of serve's API the CLI commands share: `FLOWTEL_API_URL` (default `http://127.0.0.1:4100`)
 * and `FLOWTEL_API_TOKEN` as the bearer token. Every failure becomes a `RequestRefused` that says what to
 * do: start serve, set the token, or fix what the API named.
 */
export function apiClient(env: CliIo['env']): ApiClient {
  const url = apiUrl(env.FLOWTEL_API_URL);
  const token = env.FLOWTEL_API_TOKEN === '' ? undefined : env.FLOWTEL_API_TOKEN;
  return {
    url,
    async request(method, path, body) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new RequestRefused(
          `cannot reach serve at ${url} (${networkReason(error)}): is \`flowtel serve\` running? ` +
            'FLOWTEL_API_URL says where to look',
        );
      }
      const answer = await readAnswer(response);
      if (response.ok) return answer;
      throw refusal(response.status, answer, token !== undefined);
    },
  };
}

function apiUrl(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_API_URL;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(
      'FLOWTEL_API_URL',
      value,
      'the URL of flowtel serve, such as http://127.0.0.1:4100',
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(
      'FLOWTEL_API_URL',
      value,
      'an http:// or https:// URL, such as http://127.0.0.1:4100',
    );
  }
  return value.replace(/\/+$/, '');
}

/** What made fetch fail, in a few words: its cause's code (ECONNREFUSED), else its message. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string')
    return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestRefused(
      `the answer from ${response.url} is not JSON (HTTP ${response.status}): is FLOWTEL_API_URL the address of flowtel serve?`,
      response.status,
    );
  }
}

function refusal(status: number, answer: unknown, sentToken: boolean): RequestRefused {
  const { error, details } = (answer ?? {}) as { error?: unknown; details?: unknown };
  const said = typeof error === 'string' ? error : `HTTP ${status}`;
  if (status === 401) {
    const hint = sentToken
      ? 'FLOWTEL_API_TOKEN is not the token serve was started with'
      : 'serve needs a token for this: set FLOWTEL_API_TOKEN to the token serve was started with';
    return new RequestRefused(hint, status);
  }
  if (status >= 500) return new RequestRefused(`serve failed: ${said}`, status, details);
  return new RequestRefused(said, status, details);
}

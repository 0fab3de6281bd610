import { signal } from '@preact/signals';

/** Failure of an API request, with serve's `{error, details}` message when it gave one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'flowtel.apiToken';

/**
 * Pending ask for the API token: the token dialog shows while this is set. `refused` when serve answered
 * 401 to the token the tab had (the one just typed, or one kept from before).
 */
export const tokenRequest = signal<{ refused: boolean; resolve: (token: string | null) => void } | null>(
  null,
);

function askForToken(refused: boolean): Promise<string | null> {
  return new Promise((resolve) => {
    tokenRequest.value = {
      refused,
      resolve: (token) => {
        tokenRequest.value = null;
        if (token) sessionStorage.setItem(TOKEN_KEY, token);
        resolve(token);
      },
    };
  });
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as {
      error?: string;
      details?: { path?: string; message?: string }[];
    };
    if (body.error) message = body.error;
    if (body.details?.length) {
      message += `: ${body.details.map((d) => (d.path ? `${d.path} ${d.message}` : d.message)).join('; ')}`;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message);
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    headers: { accept: 'application/json' },
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/**
 * A changing request (POST, DELETE). When serve answers 401 the token dialog asks for the API token,
 * keeps it in sessionStorage and the request is sent again; cancelling the dialog gives up with the 401.
 */
export async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | null> {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) {
      if (token) sessionStorage.removeItem(TOKEN_KEY);
      const given = await askForToken(token !== null && token !== '');
      if (given) continue;
    }
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return null;
    return (await response.json()) as T;
  }
}

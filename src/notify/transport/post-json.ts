import { httpUrlProblem } from '../../alerts/channel-urls.ts';
import type { SendOutcome } from '../types.ts';
import { failureOfRequest, outcomeOfAnswer } from './classify.ts';

export interface JsonPost {
  /** A secret: it appears in no outcome. */
  readonly url: string;
  /** The variable the URL came from, named in failures instead of the URL. */
  readonly urlVariable: string;
  readonly body: unknown;
  /** Extra headers (their values may be secrets too: pass them to `redact`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Delivery shutting down: stop waiting for the receiver. */
  readonly signal?: AbortSignal;
  /** Scrubs the URL and header values from whatever the receiver or the network says. */
  readonly redact: (text: string) => string;
}

/** More than any receiver's status text needs; a receiver answering megabytes is not read further. */
const MAX_ANSWER_BYTES = 64 * 1024;

let prepared = false;

/**
 * Loads Node's HTTP client (undici, loaded on first use of `fetch` or `Headers`: 25-40 ms) when a
 * notifier is made, before any run starts, so that the first alert of a run does not pay for it.
 */
export function prepareHttpClient(): void {
  if (prepared) return;
  prepared = true;
  new Headers();
}

/**
 * One JSON POST to a receiver, the one HTTP client of every HTTP notifier: the URL checked first (a
 * `config` failure names its variable), redirects refused, one deadline for the request and its answer,
 * and the outcome classified by `classify.ts`. Never throws.
 */
export async function postJson(post: JsonPost): Promise<SendOutcome> {
  const problem = httpUrlProblem(post.url);
  if (problem !== undefined) {
    return { ok: false, failure: { kind: 'config', reason: `${post.urlVariable} ${problem}` } };
  }
  const deadline = AbortSignal.timeout(post.timeoutMs);
  try {
    const response = await fetch(post.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'flowtel', ...post.headers },
      body: JSON.stringify(post.body),
      redirect: 'error',
      signal: post.signal === undefined ? deadline : AbortSignal.any([deadline, post.signal]),
    });
    const body = await readAtMost(response, MAX_ANSWER_BYTES);
    return outcomeOfAnswer(
      {
        status: response.status,
        statusText: response.statusText,
        body,
        retryAfter: response.headers.get('retry-after'),
      },
      post.redact,
    );
  } catch (error) {
    return { ok: false, failure: failureOfRequest(error, post.timeoutMs, post.redact) };
  }
}

/** The start of the answer's body as text; the rest is not read (the connection is released). */
async function readAtMost(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // An answer cut off mid-body still has a status: keep what arrived.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

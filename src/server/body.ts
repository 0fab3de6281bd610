import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { problemsFromIssues } from '../rules/problems.ts';
import { ApiError, invalidRequest } from './errors.ts';

/** Largest JSON body the API reads (a silence, a run's parameters). @default 256 KiB */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads a JSON request body and checks it against `schema`. An empty body is `{}` (so `curl -X POST`
 * starts a run without parameters). Refusals: 415 for another content type or any content encoding,
 * 413 past `maxBytes` (told by Content-Length before a byte is read, or counted while reading), 400 for
 * JSON that does not parse or does not match, with every problem in `details`.
 */
export async function readJson<T>(
  request: IncomingMessage,
  schema: z.ZodType<T>,
  what: string,
  maxBytes: number,
): Promise<T> {
  const raw = await readText(request, maxBytes);
  const value = raw === '' ? {} : parseJson(raw);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = problemsFromIssues('', parsed.error.issues, value).map(({ path, message }) => ({
    path,
    message,
  }));
  throw invalidRequest(what, problems);
}

async function readText(request: IncomingMessage, maxBytes: number): Promise<string> {
  const length = request.headers['content-length'];
  // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body.
  if (length === undefined && request.headers['transfer-encoding'] === undefined) return '';
  const declared = Number(length ?? Number.NaN);
  if (declared === 0) return '';
  checkEncoding(request);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = await collect(request, maxBytes);
  if (body.length === 0) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ApiError(400, 'the body is not valid UTF-8');
  }
}

/**
 * The body's bytes, up to `maxBytes`. Past that it refuses at once and reads the rest into nothing:
 * the client, still sending, then gets the 413 (and the connection closes) rather than a reset.
 */
function collect(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) settle(() => reject(tooLarge(maxBytes)));
      else chunks.push(chunk);
    });
    request.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    request.on('error', (error) => settle(() => reject(error)));
  });
}
function checkEncoding(request: IncomingMessage): void {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError(
      415,
      mediaType
        ? `unsupported content type '${mediaType}': send application/json`
        : 'missing content type: send application/json',
    );
  }
  const coding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (coding !== 'identity')
    throw new ApiError(415, `unsupported content encoding '${coding}': send the JSON uncompressed`);
}

/** The connection closes after the answer: the rest of an oversized body is not read. */
function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, `the body is larger than ${maxBytes} bytes`, undefined, { connection: 'close' });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // The SyntaxError quotes the input (it may hold a secret parameter): only its position is kept.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new ApiError(400, `the body is not valid JSON${position ? ` (at position ${position})` : ''}`);
  }
}

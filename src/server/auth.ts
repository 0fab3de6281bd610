import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApiError, UnsafeBindError } from './errors.ts';

/**
 * Who may change things through the API. Reads are open; a changing request (anything but GET and HEAD)
 * must come from this server's own pages or from a client that is not a browser, and, when serve has a
 * token, carry it as `Authorization: Bearer <token>`.
 */

/** Methods that only read. */
export function isReadOnly(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Throws the refusal of a changing request: 403 for another site's page, 401 without the token. */
export function guardChange(request: IncomingMessage, token: string | undefined): void {
  const crossSite = crossSiteReason(request, token !== undefined);
  if (crossSite !== undefined) throw new ApiError(403, crossSite);
  if (token !== undefined) checkToken(request.headers.authorization, token);
}

function checkToken(header: string | undefined, token: string): void {
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
  if (given === undefined) {
    throw new ApiError(
      401,
      'this endpoint needs the API token: send Authorization: Bearer <token> (FLOWTEL_API_TOKEN of serve)',
      undefined,
      { 'www-authenticate': 'Bearer realm="flowtel"' },
    );
  }
  if (!sameToken(given, token)) {
    throw new ApiError(401, 'the bearer token is not the API token serve was started with', undefined, {
      'www-authenticate': 'Bearer realm="flowtel", error="invalid_token"',
    });
  }
}

/** Compares digests, so the time taken says nothing about how much of the token was right, nor its length. */
function sameToken(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Why a browser request from another site is refused (a page elsewhere must not start runs or silence
 * alerts on a loopback serve), or undefined. A request without `Origin` does not come from a browser's
 * cross-origin fetch or form. Without a token the Host must also be a loopback name or address: a page
 * that rebinds its own DNS name to 127.0.0.1 is then same-origin with itself, but not with localhost.
 */
function crossSiteReason(request: IncomingMessage, hasToken: boolean): string | undefined {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `requests from another site may not change anything (Sec-Fetch-Site: ${site})`;
  }
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  const host = request.headers.host ?? '';
  const originHost = hostOf(origin);
  if (originHost === undefined || originHost !== hostOf(`http://${host}`)) {
    return `requests from another site may not change anything (Origin ${origin.slice(0, 100)} is not this server)`;
  }
  if (!hasToken && !isLoopback(new URL(`http://${host}`).hostname)) {
    return `without an API token, changes are taken only from pages on a loopback address, not ${host.slice(0, 100)}`;
  }
  return undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** `localhost`, 127.0.0.0/8 and ::1 (with or without brackets, in any spelling, or IPv4-mapped). */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) !== 6) return false;
  // The URL parser writes an IPv6 address in its one canonical form (`::ffff:127.0.0.1` → `::ffff:7f00:1`).
  const canonical = new URL(`http://[${name}]`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * Throws `UnsafeBindError` when serve would listen on a host other than loopback without a token. Serve
 * calls it before it listens, so the refusal comes before anything is exposed.
 */
export function checkBindSafety(host: string, token: string | undefined): void {
  if (token === undefined || token === '') {
    if (!isLoopback(host)) throw new UnsafeBindError(host === '' ? '(every interface)' : host);
  }
}

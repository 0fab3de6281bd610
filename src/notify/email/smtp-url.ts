import { isIP } from 'node:net';
import { smtpUrlProblem } from '../../alerts/channel-urls.ts';

/** Thrown when `smtpUrl` cannot be used; names the variable, never shows its value. */
export class SmtpConfigError extends Error {
  override readonly name = 'SmtpConfigError';
}

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (smtps://, port 465). */
  readonly secure: boolean;
  /** Refuse to send credentials without STARTTLS. */
  readonly requireTLS: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

/**
 * `smtp://user:pass@host:587` or `smtps://user:pass@host:465`. Credentials are only ever sent over TLS
 * (STARTTLS is required), except to loopback where a local catcher (MailHog, smtp-server in tests)
 * usually speaks plain SMTP.
 */
export function parseSmtpUrl(value: string, variable: string): SmtpSettings {
  const problem = smtpUrlProblem(value);
  if (problem !== undefined) throw new SmtpConfigError(`${variable} ${problem}`);
  const url = new URL(value);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const user = decode(url.username);
  const pass = decode(url.password);
  const auth = user === '' ? undefined : { user, pass };
  return {
    host,
    port,
    secure,
    requireTLS: !secure && auth !== undefined && !isLoopback(host),
    ...(auth === undefined ? {} : { auth }),
  };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

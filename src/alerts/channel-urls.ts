import { type ChannelDefinition, resolveSecret, type SecretRef } from './channels.ts';

/**
 * The shape a channel's URL must have, checked where the variable is set: `rules check`, the start of
 * `flowtel run`'s delivery, and each adapter before it sends. The value is a secret (a webhook token, an
 * SMTP password), so what is wrong is said without showing any part of it, not even its scheme: in
 * `user:token@host` the "scheme" would be the user name.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Why `value` is not an http(s) URL a receiver can be posted to, or undefined when it is one. */
export function httpUrlProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (url === undefined) return 'is not an http(s) URL';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  return undefined;
}

export function isHttpUrl(value: string): boolean {
  return httpUrlProblem(value) === undefined;
}

/** Why `value` is not an `smtp://` or `smtps://` URL naming a host, or undefined when it is one. */
export function smtpUrlProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (url === undefined) return 'must be a URL such as smtp://user:pass@host:587, and it is not one';
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return 'must start with smtp:// or smtps://';
  if (url.hostname === '') return 'must name a host, as in smtp://user:pass@host:587';
  return undefined;
}

export interface ChannelUrlProblem {
  /** The channel's field that references the variable (`webhookUrl`, `url`, `smtpUrl`). */
  readonly field: string;
  /** The environment variable holding the URL. */
  readonly variable: string;
  /** `SMTP_URL must start with smtp:// or smtps://`: the variable and what is wrong, never the value. */
  readonly message: string;
}

/** The problems of a channel's URLs whose variables are set (unset ones are `missingSecrets`). */
export function channelUrlProblems(channel: ChannelDefinition, env: Env = process.env): ChannelUrlProblem[] {
  const check = (field: string, ref: SecretRef, problemOf: (value: string) => string | undefined) => {
    const value = resolveSecret(ref, env);
    const problem = value === undefined ? undefined : problemOf(value);
    return problem === undefined ? [] : [{ field, variable: ref.env, message: `${ref.env} ${problem}` }];
  };
  switch (channel.type) {
    case 'slack':
      return check('webhookUrl', channel.webhookUrl, httpUrlProblem);
    case 'webhook':
      return check('url', channel.url, httpUrlProblem);
    case 'email':
      return check('smtpUrl', channel.smtpUrl, smtpUrlProblem);
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

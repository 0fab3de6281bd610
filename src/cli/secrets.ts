import { type ChannelDefinition, secretRefs } from '../alerts/channels.ts';
import { processSecrets, urlSecretFragments } from '../secrets.ts';
import { isSecretKey } from '../telemetry/redact.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Variables whose values are secrets besides secret-looking names: webhooks, DSNs, OTLP headers. */
const SECRET_VARIABLE = /_DSN$|WEBHOOK|_HEADERS$/i;
/**
 * URL variables (`SMTP_URL`, `API_URL`): their secret parts (password, token-like path segments and
 * query values), not the whole URL, which would blank out every span and message that names the host.
 * The variables channels reference are registered whole, once the rules are loaded.
 */
const URL_VARIABLE = /_URL$|_URI$/i;
/**
 * Variables that match those patterns and hold nothing secret: the working directory (`PWD` looks like
 * "pwd"), and flowtel's own link templates and API address, which the CLI prints on purpose.
 */
const NOT_SECRET = new Set(['PWD', 'OLDPWD', 'FLOWTEL_TRACE_URL', 'FLOWTEL_API_URL']);

/**
 * Values of this process's environment and arguments that may be secrets: secret-looking variable
 * names, webhook, DSN and header variables (each OTLP header value alone, too), the secret parts of URL
 * variables and of any URL with a password, and `--param`/`--params-json` values under secret-looking
 * keys.
 */
export function possibleSecrets(env: Env, args: readonly string[]): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NOT_SECRET.has(name)) continue;
    // A password in any URL-valued variable (`OTEL_EXPORTER_OTLP_ENDPOINT=https://user:pw@…`).
    const password = urlPassword(value);
    if (password !== undefined) secrets.push(password);
    if (URL_VARIABLE.test(name) && !isSecretKey(name) && !SECRET_VARIABLE.test(name)) {
      secrets.push(...urlSecretFragments(value));
      continue;
    }
    if (!(isSecretKey(name) || SECRET_VARIABLE.test(name))) continue;
    secrets.push(value);
    // `OTEL_EXPORTER_OTLP_HEADERS=authorization=Basic%20abc,x-key=def`: each value alone, too.
    if (/_HEADERS$/i.test(name)) {
      for (const pair of value.split(',')) {
        const at = pair.indexOf('=');
        if (at > 0) secrets.push(pair.slice(at + 1).trim());
      }
    }
  }
  for (const arg of args) {
    // `--param apiToken=…` / `-p db.password=…`
    const at = arg.indexOf('=');
    const key = at > 0 ? arg.slice(0, at).split('.').at(-1) : undefined;
    if (key !== undefined && !key.startsWith('-') && isSecretKey(key)) secrets.push(arg.slice(at + 1));
    // `--params-json '{"apiToken":"…"}'`
    if (arg.startsWith('{')) secrets.push(...secretJsonValues(arg));
  }
  return secrets;
}

/** Registers them for redaction by value in everything the process lets out. */
export function registerProcessSecrets(env: Env, args: readonly string[]): void {
  const secrets = processSecrets();
  for (const value of possibleSecrets(env, args)) secrets.add(value);
}

/**
 * Registers the values of the variables that channels reference (whatever they are called), once the
 * rules are loaded: those are the webhook URLs and SMTP passwords a message must never carry.
 */
export function registerChannelSecrets(
  channels: Readonly<Record<string, ChannelDefinition>>,
  env: Env,
): void {
  const secrets = processSecrets();
  for (const channel of Object.values(channels)) {
    for (const ref of secretRefs(channel)) secrets.add(env[ref.env]);
  }
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*:[^/]*@/i.test(value)) return undefined;
  try {
    return new URL(value).password || undefined;
  } catch {
    return undefined;
  }
}

function secretJsonValues(json: string): string[] {
  const found: string[] = [];
  try {
    JSON.parse(json, (key, value: unknown) => {
      if (key !== '' && isSecretKey(key) && (typeof value === 'string' || typeof value === 'number')) {
        found.push(String(value));
      }
      return value;
    });
  } catch {
    // not JSON: nothing to find
  }
  return found;
}

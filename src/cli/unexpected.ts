import { redactor } from '../notify/redact.ts';
import { isSecretKey } from '../telemetry/redact.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Variables whose values may hold secrets besides secret-looking names: URLs (webhooks, SMTP), OTLP headers. */
const SECRET_VARIABLE = /_URL$|_URI$|_DSN$|WEBHOOK|_HEADERS$/i;

/**
 * What `flowtel` prints for an error it did not expect (a bug, or a setup it did not foresee): the stack,
 * for a bug report, with every value that may be a secret replaced. Libraries put URLs, headers and
 * arguments into their messages, and the stack's first line is the message.
 */
export function describeUnexpected(error: unknown, env: Env, args: readonly string[]): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return `flowtel: unexpected error: ${redactor(possibleSecrets(env, args))(text)}`;
}

export function possibleSecrets(env: Env, args: readonly string[]): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !(isSecretKey(name) || SECRET_VARIABLE.test(name))) continue;
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

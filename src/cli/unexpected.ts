import { redactor } from '../notify/redact.ts';
import { possibleSecrets } from './secrets.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What `flowtel` prints for an error it did not expect (a bug, or a setup it did not foresee): the stack,
 * for a bug report, with every value that may be a secret replaced (and every secret the process knows). Libraries put URLs, headers and
 * arguments into their messages, and the stack's first line is the message.
 */
export function describeUnexpected(error: unknown, env: Env, args: readonly string[]): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return `flowtel: unexpected error: ${redactor(possibleSecrets(env, args))(text)}`;
}

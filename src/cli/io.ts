import { processSecrets } from '../secrets.ts';

/** The streams and environment a command works with: the process's, or a test's. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The console's choke point of redaction by value: everything a command writes (the live view, the
 * summary, alerts printed for unconfigured channels, error lines) has the process's known secrets
 * replaced on its way out. The streams are otherwise the same objects (a terminal keeps `isTTY` and
 * `columns`).
 */
export function redactingIo(io: CliIo): CliIo {
  return { stdout: redactingStream(io.stdout), stderr: redactingStream(io.stderr), env: io.env };
}

function redactingStream<S extends NodeJS.WritableStream>(stream: S): S {
  const secrets = processSecrets();
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(
            typeof chunk === 'string' ? secrets.redact(chunk) : chunk,
            ...rest,
          );
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

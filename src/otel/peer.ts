/**
 * The OpenTelemetry SDK packages are optional peer dependencies: a user who only wraps functions needs
 * the API alone, and a user with an SDK set-up of their own brings theirs. Whoever calls
 * `setupTelemetry()` without them installed gets one line that names the command to run.
 */

/** What flowtel's own SDK set-up loads for every signal (the exporters come by the protocol in use). */
export const SDK_PACKAGES = [
  '@opentelemetry/sdk-trace-base@^2.12.0',
  '@opentelemetry/sdk-metrics@^2.12.0',
  '@opentelemetry/sdk-logs@^0.223.0',
  '@opentelemetry/resources@^2.12.0',
  '@opentelemetry/core@^2.12.0',
  '@opentelemetry/context-async-hooks@^2.12.0',
  '@opentelemetry/exporter-trace-otlp-proto@^0.223.0',
  '@opentelemetry/exporter-logs-otlp-proto@^0.223.0',
  '@opentelemetry/exporter-metrics-otlp-proto@^0.223.0',
] as const;

/** Thrown by `setupTelemetry()` when an SDK package it needs is not installed. */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError';

  constructor(
    /** The package that could not be loaded, e.g. `@opentelemetry/sdk-metrics`. */
    readonly packageName: string,
    /** The `npm install ...` command that installs it and what goes with it. */
    readonly install: string,
    options: ErrorOptions,
  ) {
    super(`telemetry needs ${packageName}, which is not installed: ${install}`, options);
  }
}

/** The SDK set-up's packages, as one command. */
export const INSTALL_SDK = `npm install ${SDK_PACKAGES.join(' ')}`;

/**
 * `load()`, or a `MissingPeerError` naming `packageName` when it (or a package it imports) is missing.
 * Any other failure is passed on as it is.
 */
export async function importPeer<T>(
  packageName: string,
  load: () => Promise<T>,
  install: string = INSTALL_SDK,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const missing = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(String(error))?.[1];
    throw new MissingPeerError(missing ?? packageName, install, { cause: error });
  }
}

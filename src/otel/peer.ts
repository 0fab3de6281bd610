import * as api from '@opentelemetry/api';

/**
 * The OpenTelemetry SDK packages are optional peer dependencies: a user who only wraps functions needs
 * the API alone, and a user with an SDK set-up of their own brings theirs. Whoever calls
 * `setupTelemetry()` without them installed gets one line that names the command to run.
 *
 * flowtel's own set-up works with either SDK line: 2.x (API 1.9, any supported Node) and 3.x (API 1.10,
 * Node >= 22.15). For what flowtel uses they differ in the logs API the logs SDK registers with
 * (`api-logs` in 2.x, the API itself in 3.x) and in the versions that go together.
 */
export const SDK_LINES = {
  '2': [
    '@opentelemetry/sdk-trace@^2.12.0',
    '@opentelemetry/sdk-trace-base@^2.12.0',
    '@opentelemetry/sdk-metrics@^2.12.0',
    '@opentelemetry/sdk-logs@^0.223.0',
    '@opentelemetry/resources@^2.12.0',
    '@opentelemetry/core@^2.12.0',
    '@opentelemetry/context-async-hooks@^2.12.0',
    '@opentelemetry/exporter-trace-otlp-proto@^0.223.0',
    '@opentelemetry/exporter-logs-otlp-proto@^0.223.0',
    '@opentelemetry/exporter-metrics-otlp-proto@^0.223.0',
  ],
  '3': [
    '@opentelemetry/sdk-trace@^3.1.0',
    '@opentelemetry/sdk-metrics@^3.1.0',
    '@opentelemetry/sdk-logs@^3.1.0',
    '@opentelemetry/resources@^3.1.0',
    '@opentelemetry/core@^3.1.0',
    '@opentelemetry/context-async-hooks@^3.1.0',
    '@opentelemetry/exporter-trace-otlp-proto@^0.301.0',
    '@opentelemetry/exporter-logs-otlp-proto@^0.301.0',
    '@opentelemetry/exporter-metrics-otlp-proto@^0.301.0',
  ],
} as const;

export type SdkLine = keyof typeof SDK_LINES;

/** The line that fits this process: 3.x with API 1.10+ (it has `logs`) on Node >= 22.15, else 2.x. */
export function fittingLine(
  apiHasLogs = 'logs' in api,
  nodeVersion: string = process.versions.node,
): SdkLine {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return apiHasLogs && (major > 22 || (major === 22 && minor >= 15)) ? '3' : '2';
}

/** The command that installs the SDK line fitting this process. */
export function installSdk(line: SdkLine = fittingLine()): string {
  return `npm install ${SDK_LINES[line].join(' ')}`;
}

/** An exporter package of the line fitting this process (the `-otlp-http` ones are not in the set). */
export function installExporter(name: string, line: SdkLine = fittingLine()): string {
  return `npm install ${name}@${line === '3' ? '^0.301.0' : '^0.223.0'}`;
}

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

export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * `load()`, or a `MissingPeerError` naming `packageName` when it (or a package it imports) is missing.
 * Any other failure is passed on as it is.
 */
export async function importPeer<T>(
  packageName: string,
  load: () => Promise<T>,
  install: string = installSdk(),
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    const missing = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(String(error))?.[1];
    throw new MissingPeerError(missing ?? packageName, install, { cause: error });
  }
}

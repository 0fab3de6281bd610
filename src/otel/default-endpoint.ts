import { connect } from 'node:net';
import { type OtelConfig, SIGNALS, type Signal } from './config.ts';

/** Where the OTLP/HTTP exporters send when no endpoint is configured, as the specification says. */
const DEFAULT_HOST = 'localhost';
const DEFAULT_PORT = 4318;
const PROBE_TIMEOUT_MS = 250;

/**
 * With no endpoint configured, telemetry goes to localhost:4318. On a machine where nothing listens
 * there (a first `npm start`), every export would be refused and retried until the shutdown deadline,
 * then reported as dropped. One loopback connect tells that case apart at once: those signals are not
 * exported, and one line says how to send them somewhere. A port that answers, or does not answer in
 * time, is used as usual.
 */
export async function skipAbsentDefaultEndpoint(
  config: OtelConfig,
  env: NodeJS.ProcessEnv,
  notice: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
  port = DEFAULT_PORT,
): Promise<OtelConfig> {
  const defaulted = SIGNALS.filter((signal) => config.signals[signal].export && !hasEndpoint(env, signal));
  if (defaulted.length === 0 || (await listening(port))) return config;
  notice(absentNotice(defaulted, `${DEFAULT_HOST}:${port}`));
  const signals = { ...config.signals };
  for (const signal of defaulted) signals[signal] = { ...signals[signal], export: false };
  return { ...config, signals };
}

/**
 * Names what is not exported. With a signal-specific endpoint set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * only), saying "no endpoint is set" would be wrong: the other signals lack one, and it says which.
 */
function absentNotice(defaulted: readonly Signal[], address: string): string {
  if (defaulted.length === SIGNALS.length) {
    return `flowtel: nothing listens on ${address} and no OTLP endpoint is set, so telemetry is not exported: set OTEL_EXPORTER_OTLP_ENDPOINT to send it to a collector, Tempo or Jaeger`;
  }
  const names = defaulted.join(' and ');
  const variables = defaulted.map((s) => `OTEL_EXPORTER_OTLP_${s.toUpperCase()}_ENDPOINT`).join(', ');
  const off = defaulted.map((s) => `OTEL_${s.toUpperCase()}_EXPORTER=none`).join(', ');
  return `flowtel: ${names} have no OTLP endpoint of their own and nothing listens on ${address}, so they are not exported: set OTEL_EXPORTER_OTLP_ENDPOINT (or ${variables}), or ${off}`;
}

function hasEndpoint(env: NodeJS.ProcessEnv, signal: Signal): boolean {
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT || env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`],
  );
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: DEFAULT_HOST, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code !== 'ECONNREFUSED'));
  });
}

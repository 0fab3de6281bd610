import { readLoadTimeout, readSettings, readShutdownGrace } from '../config.ts';
import type { CliIo } from './io.ts';
import { parseServeArgs, SERVE_HELP } from './serve/args.ts';
import { startServe } from './serve/start.ts';
import { ExitCode } from './usage.ts';

/**
 * `flowtel serve`: starts every part (see `serve/start.ts`), prints where it listens, and runs until
 * SIGTERM or SIGINT, when it stops cleanly (exit 0). SIGHUP reloads flows and rules.
 */
export async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const options = parseServeArgs(args);
  if (options.help) {
    io.stdout.write(SERVE_HELP);
    return ExitCode.COMPLETED;
  }
  readSettings(io.env);
  const loadTimeoutMs = readLoadTimeout(io.env);
  const shutdownGraceMs = readShutdownGrace(io.env);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const serve = await startServe({ ...options, env: io.env, log, loadTimeoutMs, shutdownGraceMs });
  io.stdout.write(
    [
      `flowtel serve: API  ${serve.apiUrl}`,
      `flowtel serve: OTLP ${serve.otlpUrl}  (OTEL_EXPORTER_OTLP_ENDPOINT=${serve.otlpUrl})`,
      `flowtel serve: ${serve.summary}`,
      `flowtel serve: UI at ${serve.apiUrl}/`,
      '',
    ].join('\n'),
  );
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log(`flowtel serve: ${signal}: stopping (running flows get ${Math.round(shutdownGraceMs / 1000)} s)`);
      void serve.stop().then(
        () => resolve(ExitCode.COMPLETED),
        (error: unknown) => {
          log(`flowtel serve: stopping failed: ${String(error)}`);
          resolve(ExitCode.NOT_COMPLETED);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', () => {
      void serve
        .reload()
        .then(log, (error: unknown) => log(`flowtel serve: reload failed: ${String(error)}`));
    });
  });
}

import { ConfigError } from '../errors.ts';
import { type CliIo, redactingIo } from './io.ts';
import { registerProcessSecrets } from './secrets.ts';
import { ExitCode, MAIN_HELP, UsageError } from './usage.ts';

/**
 * Runs one CLI command and answers with its exit code. Usage errors and bad settings (`ConfigError`:
 * a `FLOWTEL_*` or `OTEL_*` value) print one line to fix and exit 2. Everything it writes goes out
 * with the secrets the process knows replaced (`redactingIo`).
 */
export async function main(args: readonly string[], processIo: CliIo): Promise<number> {
  // Secrets are known before anything loads: a flow file that throws at import may quote one.
  registerProcessSecrets(processIo.env, args);
  const io = redactingIo(processIo);
  try {
    return await dispatch(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`flowtel: ${error.message}\n`);
      return ExitCode.USAGE;
    }
    throw error;
  }
}

async function dispatch(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(MAIN_HELP);
      return command === undefined ? ExitCode.USAGE : ExitCode.COMPLETED;
    case 'run': {
      const { runCommand } = await import('./run-command.ts');
      return runCommand(rest, io);
    }
    case 'rules': {
      const { rulesCommand } = await import('./rules-command.ts');
      return rulesCommand(rest, io);
    }
    case 'serve': {
      const { serveCommand } = await import('./serve-command.ts');
      return serveCommand(rest, io);
    }
    case 'notify': {
      const { notifyCommand } = await import('./notify-command.ts');
      return notifyCommand(rest, io);
    }
    // Internal, for serve's catalog: not in the help.
    case 'describe': {
      const { describeCommand } = await import('./describe-command.ts');
      return describeCommand(rest, io);
    }
    case 'runs': {
      const { runsCommand } = await import('./clients/runs-command.ts');
      return runsCommand(rest, io);
    }
    case 'flows': {
      const { flowsCommand } = await import('./clients/flows-command.ts');
      return flowsCommand(rest, io);
    }
    case 'silence': {
      const { silenceCommand } = await import('./clients/silence-command.ts');
      return silenceCommand(rest, io);
    }
    case 'run-now': {
      const { runNowCommand } = await import('./clients/run-now-command.ts');
      return runNowCommand(rest, io);
    }
    default:
      throw new UsageError(
        `unknown command '${command}' (commands: run, serve, rules, notify, runs, flows, silence, run-now; see flowtel --help)`,
      );
  }
}

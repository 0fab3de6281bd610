import { parseArgs } from 'node:util';
import { traceUrlTemplate } from '../alerts/trace-link.ts';
import type { CliIo } from './io.ts';
import { registerChannelSecrets } from './secrets.ts';
import { ExitCode, UsageError } from './usage.ts';

const HELP = `flowtel notify test <channel> [--rules dir]
  sends a test message through a configured channel of the rules folder and reports the receiver's answer
`;

/** `flowtel notify test <channel>`. */
export async function notifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(HELP);
    return sub === undefined ? ExitCode.USAGE : ExitCode.COMPLETED;
  }
  if (sub !== 'test') throw new UsageError(`unknown notify command '${sub}' (test)`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const channel = parsed.positionals[0];
  if (channel === undefined || parsed.positionals.length > 1) {
    throw new UsageError(
      'flowtel notify test needs one channel name: flowtel notify test <channel> [--rules dir]',
    );
  }
  const [{ loadRules }, { notifyTest }] = await Promise.all([
    import('../rules/load.ts'),
    import('../notify/commands/notify-test.ts'),
  ]);
  let rules: Awaited<ReturnType<typeof loadRules>>;
  try {
    rules = await loadRules(parsed.values.rules ?? 'rules', { env: io.env });
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.NOT_COMPLETED;
  }
  registerChannelSecrets(rules.channels, io.env);
  const template = traceUrlTemplate(rules.links, io.env);
  return notifyTest(channel, {
    channels: rules.channels,
    ...(template === undefined ? {} : { traceUrlTemplate: template }),
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  });
}

function parse(args: readonly string[]) {
  return parseArgs({ args: [...args], allowPositionals: true, options: { rules: { type: 'string' } } });
}

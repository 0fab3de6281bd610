import type { CliIo } from './io.ts';
import { ExitCode, UsageError } from './usage.ts';

const HELP = `flowtel rules check [dir]    validate a rules folder (default ./rules): every problem, one line each
flowtel rules test <file>    run a rules test file (see src/rules/TESTING.md); exit 1 with a diff on mismatch
`;

/** `flowtel rules check|test`: thin wrappers over the rules module's commands. */
export async function rulesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(HELP);
    return sub === undefined ? ExitCode.USAGE : ExitCode.COMPLETED;
  }
  const commandIo = { stdout: io.stdout, stderr: io.stderr, env: io.env };
  if (sub === 'check') {
    if (rest.length > 1) throw new UsageError('flowtel rules check takes at most one folder');
    const { rulesCheck } = await import('../rules/commands/check.ts');
    return rulesCheck(rest[0] ?? 'rules', commandIo);
  }
  if (sub === 'test') {
    if (rest.length !== 1)
      throw new UsageError('flowtel rules test needs one test file: flowtel rules test <file>');
    const { rulesTest } = await import('../rules/commands/test.ts');
    return rulesTest(rest[0]!, commandIo);
  }
  throw new UsageError(`unknown rules command '${sub}' (check, test)`);
}

import { resolve } from 'node:path';
import { readLoadTimeout } from '../../config.ts';
import { inspectRules } from '../load.ts';
import { formatProblem } from '../problems.ts';

/** What a command writes to and reads from; the CLI passes process.stdout/stderr/env. */
export interface RulesCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Paths are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
}

/**
 * `flowtel rules check [dir]`: every problem of every file, one line each (`file[:line]: path: message`),
 * errors first. Exit code 1 on any error, else 0 (warnings, such as unconfigured channels, do not fail).
 */
export async function rulesCheck(dir: string, io: RulesCommandIo): Promise<number> {
  const env = io.env ?? process.env;
  const { rules, problems } = await inspectRules(resolve(io.cwd ?? process.cwd(), dir), {
    env,
    loadTimeoutMs: readLoadTimeout(env),
    ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
  });
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  for (const problem of [...errors, ...warnings]) io.stderr.write(`${formatProblem(problem)}\n`);
  const counts = [plural(errors.length, 'error'), plural(warnings.length, 'warning')].join(', ');
  if (errors.length > 0) {
    io.stdout.write(`rules check: ${dir}: FAILED (${counts})\n`);
    return 1;
  }
  const ruleCount = rules?.rules.length ?? 0;
  const channelCount = Object.keys(rules?.channels ?? {}).length;
  io.stdout.write(
    `rules check: ${dir}: OK, ${plural(ruleCount, 'rule')} and ${plural(channelCount, 'channel')} in ${plural(rules?.files.length ?? 0, 'file')}${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}\n`,
  );
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

import { formatProblem, type Problem } from './problems.ts';

/**
 * Thrown by `loadRules` (and `startAlerting`) when a rules folder has errors. `problems` lists every one
 * (file, path, message), so a caller can print them all instead of fixing one mistake per run.
 */
export class RulesLoadError extends Error {
  override readonly name = 'RulesLoadError';
  constructor(
    readonly dir: string,
    readonly problems: readonly Problem[],
    options?: ErrorOptions,
  ) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
    super(
      `the rules in ${dir} have ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines}`,
      options,
    );
  }
}

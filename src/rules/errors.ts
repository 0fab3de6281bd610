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

/**
 * Thrown by `rulesTest` helpers when a test file itself is malformed (as opposed to a test that fails):
 * `file` and `path` name the place, as for rules files.
 */
export class RulesTestFileError extends Error {
  override readonly name = 'RulesTestFileError';
  constructor(
    readonly file: string,
    readonly problems: readonly Problem[],
    options?: ErrorOptions,
  ) {
    super(problems.map((p) => formatProblem(p)).join('\n'), options);
  }
}

/** Thrown by the engine when it is given rules that do not validate (e.g. in code, bypassing the loader). */
export class InvalidRulesError extends Error {
  override readonly name = 'InvalidRulesError';
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => formatProblem(p)).join('\n'));
  }
}

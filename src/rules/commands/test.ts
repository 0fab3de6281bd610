import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { readLoadTimeout } from '../../config.ts';
import { inspectRules } from '../load.ts';
import { formatProblem, problemsFromIssues } from '../problems.ts';
import { runCase } from '../testing/run-case.ts';
import { TestFile } from '../testing/test-file.ts';
import type { RulesCommandIo } from './check.ts';

/**
 * `flowtel rules test <file>`: runs the test cases of a YAML test file (format: src/rules/TESTING.md) on
 * a fake clock and compares the notifications with the expected ones. Exit 1 with a diff on a mismatch,
 * or with the problems when the test file or the rules do not load.
 */
export async function rulesTest(file: string, io: RulesCommandIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const path = resolve(cwd, file);
  const shown = relative(cwd, path) || path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.stderr.write(`${shown}: cannot read: ${(error as Error).message}\n`);
    return 1;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      io.stderr.write(
        `${shown}:${lineCounter.linePos(e.pos[0]).line}: YAML syntax: ${e.message.split('\n')[0]}\n`,
      );
    }
    return 1;
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    // yaml refuses a document whose aliases expand without bound (a "billion laughs" file).
    io.stderr.write(`${shown}: YAML: ${(error as Error).message}\n`);
    return 1;
  }
  const parsed = TestFile.safeParse(raw);
  if (!parsed.success) {
    const lineOf = (p: readonly PropertyKey[]) => {
      const node = doc.getIn(p as unknown[], true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    for (const problem of problemsFromIssues(shown, parsed.error.issues, raw, lineOf)) {
      io.stderr.write(`${formatProblem(problem)}\n`);
    }
    return 1;
  }
  const spec = parsed.data;
  const dir = dirname(path);
  const env = { ...spec.env };
  const { rules, problems } = await inspectRules(resolve(dir, spec.rules), {
    env,
    cwd,
    loadTimeoutMs: readLoadTimeout(io.env ?? process.env),
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || rules === undefined) {
    io.stderr.write(`${shown}: the rules do not load:\n`);
    for (const problem of errors) io.stderr.write(`  ${formatProblem(problem)}\n`);
    return 1;
  }

  let failed = 0;
  for (const test of spec.tests) {
    const result = await runCase(test, rules, { dir, start: spec.start, env });
    if (result.passed) {
      io.stdout.write(`  PASS ${test.name}\n`);
      continue;
    }
    failed++;
    io.stdout.write(`  FAIL ${test.name}\n`);
    io.stdout.write(
      result.isDiff ? '    notifications differ (- expected, + actual):\n' : '    could not run:\n',
    );
    for (const line of result.details) io.stdout.write(`      ${line}\n`);
    for (const warning of result.warnings) io.stdout.write(`    warning: ${warning}\n`);
  }
  const total = spec.tests.length;
  io.stdout.write(failed === 0 ? `${shown}: ${total} passed\n` : `${shown}: ${failed} of ${total} failed\n`);
  return failed === 0 ? 0 : 1;
}

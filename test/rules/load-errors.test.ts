import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rulesCheck } from '../../src/rules/commands/check.ts';
import { rulesTest } from '../../src/rules/commands/test.ts';
import { tempDir } from '../support/cli.ts';

/** A folder holding `files` (name → content); it is also the working directory, so paths show short. */
function folder(files: Record<string, string>): string {
  const dir = tempDir('flowtel-rules-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function run(command: typeof rulesCheck, target: string, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd,
  };
  const code = await command(target, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Nine aliases of nine aliases of ...: a few hundred bytes that would expand to 9^12 nodes. */
function aliasBomb(key: string): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 12; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n${key}: *a12\n`;
}

describe('rules files that do not load: one line each, naming the file', () => {
  it('refuses a YAML alias bomb', async () => {
    const dir = folder({ 'rules/bomb.yaml': aliasBomb('rules') });
    const result = await run(rulesCheck, 'rules', dir);

    expect(result.stderr).toBe(
      'rules/bomb.yaml: YAML: Excessive alias count indicates a resource exhaustion attack\n',
    );
    expect(result.code).toBe(1);
  });

  it('reports a TypeScript rules file whose export throws when it is read', async () => {
    const dir = folder({
      'rules/getter.ts': "export default { get rules() { throw new Error('no rules today'); } };\n",
    });
    const result = await run(rulesCheck, 'rules', dir);

    expect(result.stderr).toBe('rules/getter.ts: cannot read its export: no rules today\n');
    expect(result.code).toBe(1);
  });

  it('checks a folder of 130,000 rules', async () => {
    const dir = folder({
      'rules/many.ts':
        "export default { rules: Array.from({ length: 130_000 }, (_, i) => ({ name: 'r' + i, when: { type: 'flow-failed' } })) };\n",
    });
    const result = await run(rulesCheck, 'rules', dir);

    expect(result.stdout).toBe(
      'rules check: rules: OK, 130000 rules and 0 channels in 1 file (130000 warnings)\n',
    );
    expect(result.code).toBe(0);
  });
});

describe('rules test files that do not load', () => {
  it('refuses a test file that is a YAML alias bomb', async () => {
    const dir = folder({ 'bomb.test.yaml': aliasBomb('tests') });
    const result = await run(rulesTest, 'bomb.test.yaml', dir);

    expect(result.stderr).toBe(
      'bomb.test.yaml: YAML: Excessive alias count indicates a resource exhaustion attack\n',
    );
    expect(result.code).toBe(1);
  });

  it('names the input file that is missing, and the line of one that is not JSON', async () => {
    const dir = folder({
      'rules.yaml': 'rules: [{ name: any-flow-failed, when: { type: flow-failed } }]\n',
      'broken.jsonl': '{"at":"2026-11-25T01:00:00Z","flow":"etl","state":"Running"}\n{not json\n',
      'inputs.test.yaml': [
        'tests:',
        '  - { name: missing input, input: nowhere.jsonl }',
        '  - { name: broken input, input: broken.jsonl }',
        '',
      ].join('\n'),
    });
    const result = await run(rulesTest, 'inputs.test.yaml', dir);

    expect(result.stdout).toContain(
      `      nowhere.jsonl: cannot read: ENOENT: no such file or directory, open '${join(dir, 'nowhere.jsonl')}'\n`,
    );
    expect(result.stdout).toMatch(/ {6}broken\.jsonl: line 2: not JSON: .+\n/);
    expect(result.stdout).toContain('inputs.test.yaml: 2 of 2 failed\n');
    expect(result.code).toBe(1);
  });
});

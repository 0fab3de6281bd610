import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.ts';
import { fixture, runCli, tempDir } from '../support/cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** A working directory of ES modules holding `files` (name → content). */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const NEVER_SETTLES = 'await new Promise(() => {});\nexport const never = 1;\n';
const WAITS_AN_HOUR = 'await new Promise((done) => setTimeout(done, 3_600_000));\nexport const late = 1;\n';
const SYNTAX_ERROR = "export default {\n  rules: [\n    { name: 'x' when: 1 },\n  ],\n};\n";

describe('flow and rules files that do not finish loading', () => {
  it('says at once that a flow file whose top-level await never settles does not load (not exit 13)', async () => {
    const cwd = project({ 'never.ts': NEVER_SETTLES });
    // A deadline far beyond the test's timeout: only noticing that nothing can settle it passes.
    const result = await runCli(['run', 'never.ts'], { cwd, env: { FLOWTEL_LOAD_TIMEOUT: '10m' } });

    expect(result.stderr).toBe(
      'flowtel: never.ts does not load: its top-level await never settles: it waits on nothing that can still happen\n',
    );
    expect(result.code).toBe(2);
  });

  it('gives up on a flow file still waiting at the load deadline, naming it', async () => {
    const cwd = project({ 'slow.ts': WAITS_AN_HOUR });
    const result = await runCli(['run', 'slow.ts'], { cwd, env: { FLOWTEL_LOAD_TIMEOUT: '1s' } });

    expect(result.stderr).toBe(
      'flowtel: slow.ts does not load: its top-level code did not finish within 1s (an await that does not settle?); FLOWTEL_LOAD_TIMEOUT sets the limit\n',
    );
    expect(result.code).toBe(2);
  });

  it('reports a rules file still waiting at the deadline as a problem of that file', async () => {
    const cwd = project({ 'rules/slow.ts': WAITS_AN_HOUR, 'rules/never.ts': NEVER_SETTLES });
    const result = await runCli(['rules', 'check', 'rules'], { cwd, env: { FLOWTEL_LOAD_TIMEOUT: '1s' } });

    expect(result.stderr).toContain(
      'rules/never.ts: cannot import: its top-level await never settles: it waits on nothing that can still happen\n',
    );
    expect(result.stderr).toContain(
      'rules/slow.ts: cannot import: its top-level code did not finish within 1s (an await that does not settle?); FLOWTEL_LOAD_TIMEOUT sets the limit\n',
    );
    expect(result.code).toBe(1);
  });
});

describe('TypeScript syntax errors', () => {
  it("print the loader's error with file:line:column for a flow file", async () => {
    const cwd = project({ 'broken.ts': SYNTAX_ERROR });
    const result = await runCli(['run', 'broken.ts'], { cwd });

    expect(result.stderr).toBe(
      'flowtel: broken.ts does not load: broken.ts:3:16: Expected "}" but found "when"\n',
    );
    expect(result.code).toBe(2);
  });

  it('and for a rules file', async () => {
    const cwd = project({ 'rules/broken.ts': SYNTAX_ERROR });
    const result = await runCli(['rules', 'check', 'rules'], { cwd });

    expect(result.stderr).toBe(
      'rules/broken.ts: cannot import: rules/broken.ts:3:16: Expected "}" but found "when"\n',
    );
    expect(result.code).toBe(1);
  });
});

describe('a damaged alert store', () => {
  it('is reported as a store problem, not as rules that do not load', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'rules'));
    cpSync(join(ROOT, 'rules/etl.yaml'), join(cwd, 'rules/etl.yaml'));
    const db = await openDatabase({ home: join(cwd, '.flowtel') });
    db.exec('DROP TABLE alert_state');
    db.close();

    const result = await runCli(['run', fixture('ok.ts')], { cwd, env: { OTEL_SDK_DISABLED: 'true' } });

    expect(result.stderr).toMatch(
      /^flowtel: cannot keep alert state in .*flowtel\.db: no such table: alert_state/,
    );
    expect(result.stderr).not.toContain('rules');
    expect(result.code).toBe(2);
  });
});

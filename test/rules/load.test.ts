import { resolve } from 'node:path';
import { expect, describe as group, it } from 'vitest';
import { RulesLoadError } from '../../src/rules/errors.ts';
import { inspectRules, loadRules } from '../../src/rules/load.ts';
import { brokenRulesFolder } from './broken-folder.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');
const cwd = fixtures;

group('loading a rules folder', () => {
  it('merges channels, defaults and links of TypeScript and YAML files and applies the defaults', async () => {
    const rules = await loadRules(resolve(fixtures, 'good'), { env: {}, cwd });
    expect(Object.keys(rules.channels).sort()).toEqual(['data', 'hooks', 'oncall']);
    expect(rules.channels.hooks).toEqual({
      type: 'webhook',
      url: { env: 'HOOK_URL' },
      format: 'alertmanager',
    });
    expect(rules.links.trace).toBe('http://localhost:16686/trace/{traceId}');
    const byName = Object.fromEntries(rules.rules.map((r) => [r.name, r]));
    expect(byName['orders-failed']).toMatchObject({
      notify: ['data', 'oncall'],
      severity: 'critical',
      repeatInterval: 14_400_000,
    });
    expect(byName['any-task-retrying']).toMatchObject({
      notify: ['data'],
      severity: 'warning',
      groupWait: 0,
    });
    expect(byName['orders-flaky']?.when).toEqual({
      type: 'flow-failures',
      flow: 'nightly-orders',
      count: 3,
      within: 86_400_000,
    });
  });

  it('throws one RulesLoadError listing every error', async () => {
    const copy = brokenRulesFolder();
    const error = await loadRules(resolve(copy, 'broken'), { env: {}, cwd: copy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RulesLoadError);
    expect((error as RulesLoadError).problems.length).toBe(17);
    expect((error as RulesLoadError).message).toContain('have 17 problems');
  });

  it('reports a missing folder as a problem, not a crash', async () => {
    const { rules, problems } = await inspectRules(resolve(fixtures, 'nowhere'), { cwd });
    expect(rules).toBeUndefined();
    expect(problems[0]?.message).toMatch(/^cannot read the rules folder/);
  });
});

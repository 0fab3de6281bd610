import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A copy of fixtures/broken plus a YAML file with a syntax error, made at test time: a broken YAML file
 * kept in the repository would break the formatter's run over the tree. Returns the folder to use as cwd.
 */
export function brokenRulesFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'flowtel-rules-'));
  cpSync(resolve(import.meta.dirname, 'fixtures/broken'), join(root, 'broken'), { recursive: true });
  // The copy lives elsewhere: its TypeScript file imports the rules module by absolute URL instead.
  const typed = join(root, 'broken/typed.ts');
  const rulesModule = pathToFileURL(resolve(import.meta.dirname, '../../src/rules/index.ts')).href;
  writeFileSync(typed, readFileSync(typed, 'utf8').replace('../../../../src/rules/index.ts', rulesModule));
  writeFileSync(join(root, 'broken/syntax.yml'), 'rules:\n  - name: broken\n    when: { type: flow-failed\n');
  return root;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/serve.ts';
import { userProject, writeInto } from './fixtures/e2e/project.ts';
import { type ApiRun, type E2eServe, runOf, startE2eServe } from './fixtures/e2e/support.ts';

// One serve in a user's project whose flows and rules the tests change on disk, then SIGHUP.
// `alternates` fails every other run (so flow-failed fires, resolves and fires again); `steady` completes.
const ALTERNATES = `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flow } from 'flowtel';

export const alternates = flow({ name: 'alternates', schedule: { interval: '1s' } }, async () => {
  const counter = join(process.env.E2E_GATES ?? '.', 'alternates.count');
  let count = 0;
  try {
    count = Number(readFileSync(counter, 'utf8'));
  } catch {}
  writeFileSync(counter, String(count + 1));
  if (count % 2 === 0) throw new Error('run ' + (count + 1) + ' fails, as every other one does');
});
`;
const steady = (name: string) => `import { flow } from 'flowtel';

export const steady = flow({ name: '${name}', schedule: { interval: '1s' } }, async () => 'done');
`;
const rules = (name: string) => `channels:
  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }
defaults:
  notify: [data]
  groupInterval: 0s
rules:
  - name: ${name}
    when: { type: flow-failed, flow: alternates }
`;
const BROKEN_YAML = 'rules:\n  - name: [never closed\n';
const BROKEN_TS = "export const steady = flow({ name: 'steady' ;\n";

let project: string;
let e2e: E2eServe;

beforeAll(async () => {
  project = userProject({
    'flows/alternates.ts': ALTERNATES,
    'flows/steady.ts': steady('steady'),
    'rules/alerts.yaml': rules('alternates-failed'),
  });
  e2e = await startE2eServe(['--flows', 'flows', '--rules', 'rules'], { cwd: project });
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

/** serve's answers to SIGHUP so far: each its line and the indented lines under it. */
function answers(): string[] {
  const said = e2e.serve.run.output().stderr.split(/\n(?=\S)/);
  return said.filter((line) => line.startsWith('flowtel serve: SIGHUP: '));
}

/** Sends SIGHUP and waits for serve's answer to it. */
async function sighup(): Promise<string> {
  const before = answers().length;
  e2e.serve.run.child.kill('SIGHUP');
  return until('serve to answer SIGHUP', () => answers()[before]);
}

/** Slack bodies accepted from `from` on that are a flow-failed FIRING for `alternates`. */
function firings(from: number): ApiRun[] {
  return e2e.slack
    .accepted()
    .slice(from)
    .map((request) => request.body as ApiRun)
    .filter((body) => String(body.text).startsWith('FIRING: alternates'));
}

const problems = async (): Promise<string[]> => (await e2e.serve.api('/healthz')).body.problems;

describe('flowtel serve on SIGHUP', () => {
  it('keeps the last good rules when the new ones do not load, and takes the fixed ones', async () => {
    await until('a flow-failed alert for alternates', () => firings(0)[0]);

    writeInto(project, 'rules/alerts.yaml', BROKEN_YAML);
    const refused = await sighup();
    expect(refused).toContain('rules not reloaded, the last good ones stay');
    expect(refused).toContain('alerts.yaml');
    const listed = await problems();
    expect(listed).toEqual([expect.stringContaining('the last reload of the rules failed')]);

    // The old rule still alerts: a failing run after the refused reload fires it again.
    const afterRefusal = e2e.slack.accepted().length;
    const again = await until('alternates failing again under the old rule', () => firings(afterRefusal)[0]);
    expect(JSON.stringify(again)).toContain('alternates-failed');

    writeInto(project, 'rules/alerts.yaml', rules('alternates-broke'));
    const taken = await sighup();
    expect(taken).toContain('1 rule(s) reloaded');
    expect(await problems()).toEqual([]);
    const afterFix = e2e.slack.accepted().length;
    const renamed = await until('an alert of the renamed rule', () => firings(afterFix)[0]);
    expect(JSON.stringify(renamed)).toContain('alternates-broke');
    expect(JSON.stringify(renamed)).not.toContain('alternates-failed');
  });

  it('keeps scheduling the last good flows when a flow file does not load, and takes the fixed ones', async () => {
    writeInto(project, 'flows/steady.ts', BROKEN_TS);
    const sentAt = Date.now();
    const refused = await sighup();
    expect(refused).toContain('flows not reloaded, the last good ones stay');
    expect(refused).toContain('steady.ts');
    expect(await problems()).toEqual([expect.stringContaining('the last reload of --flows failed')]);
    // Both flows keep their slots after the refused reload.
    for (const flow of ['steady', 'alternates'])
      await runOf(
        e2e.serve,
        flow,
        'was scheduled after the refused reload',
        (run) => Date.parse(run.scheduledAt) > sentAt,
      );

    writeInto(project, 'flows/steady.ts', steady('steady-renamed'));
    const taken = await sighup();
    expect(taken).toContain('2 flow(s) reloaded');
    expect(await problems()).toEqual([]);
    const renamed = await runOf(
      e2e.serve,
      'steady-renamed',
      'completed',
      (run) => run.state.type === 'COMPLETED',
    );
    expect(renamed.source).toBe('schedule');
    const flows = (await e2e.serve.api('/api/v1/flows')).body.flows.map((flow: ApiRun) => flow.name);
    expect(flows.sort()).toEqual(['alternates', 'steady-renamed']);
  });
});

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

/** Slack bodies accepted from the `from`th on whose text starts with `prefix` (e.g. 'FIRING: alternates'). */
function said(prefix: string, from = 0): { index: number; body: ApiRun }[] {
  return e2e.slack
    .accepted()
    .map((request, index) => ({ index, body: request.body as ApiRun }))
    .filter(({ index, body }) => index >= from && String(body.text).startsWith(prefix));
}

const problems = async (): Promise<string[]> => (await e2e.serve.api('/healthz')).body.problems;

describe('flowtel serve on SIGHUP', () => {
  it('keeps the last good rules when the new ones do not load, and takes the fixed ones', async () => {
    await until('a flow-failed alert for alternates', () => said('FIRING: alternates')[0]);

    writeInto(project, 'rules/alerts.yaml', BROKEN_YAML);
    const refused = await sighup();
    expect(refused).toContain('rules not reloaded, the last good ones stay');
    expect(refused).toContain('alerts.yaml');
    const listed = await problems();
    expect(listed).toEqual([expect.stringContaining('the last reload of the rules failed')]);

    // The old rule still alerts: after the refused reload its alert resolves (a run completes) and
    // fires again (the next one fails), a whole cycle evaluated by the rules that stayed.
    const afterRefusal = e2e.slack.accepted().length;
    const again = await until('alternates resolving, then failing again, under the old rule', () => {
      const resolved = said('RESOLVED: alternates', afterRefusal)[0];
      return resolved && said('FIRING: alternates', resolved.index + 1)[0];
    });
    expect(JSON.stringify(again.body)).toContain('alternates-failed');

    writeInto(project, 'rules/alerts.yaml', rules('alternates-broke'));
    const taken = await sighup();
    expect(taken).toContain('1 rule(s) reloaded');
    expect(await problems()).toEqual([]);
    // The renamed rule is a new alert: the next failure fires it under its new name.
    const afterFix = e2e.slack.accepted().length;
    await until('an alert of the renamed rule', () =>
      said('FIRING: alternates', afterFix).find(({ body }) =>
        JSON.stringify(body).includes('alternates-broke'),
      ),
    );
  });

  it('keeps scheduling the last good flows when a flow file does not load, and takes the fixed ones', async () => {
    writeInto(project, 'flows/steady.ts', BROKEN_TS);
    const sentAt = Date.now();
    const refused = await sighup();
    expect(refused).toContain('flows not reloaded, the last good ones stay');
    expect(refused).toContain('steady.ts');
    expect(await problems()).toEqual([expect.stringContaining('the last reload of --flows failed')]);
    // Both flows keep their slots after the refused reload. Each run's process loads its flow from
    // disk, so `steady`'s runs end Crashed, saying why, while `alternates` runs as before.
    const slotAfterRefusal = (flow: string, ended: (run: ApiRun) => boolean) =>
      runOf(e2e.serve, flow, 'was scheduled after the refused reload and ended', (run) => {
        return Date.parse(run.scheduledAt) > sentAt && run.source === 'schedule' && ended(run);
      });
    const crashed = await slotAfterRefusal('steady', (run) => run.endedAt !== null);
    expect(crashed.state).toMatchObject({
      type: 'CRASHED',
      message: expect.stringContaining('steady.ts does not load'),
    });
    await slotAfterRefusal('alternates', (run) => run.state.type === 'COMPLETED');

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
    // The old name is only history now: listed with its last run, no schedule, not runnable.
    const flows: ApiRun[] = (await e2e.serve.api('/api/v1/flows')).body.flows;
    const scheduled = flows.filter((flow) => flow.schedules.length > 0).map((flow) => flow.name);
    expect(scheduled.sort()).toEqual(['alternates', 'steady-renamed']);
    expect(flows.find((flow) => flow.name === 'steady')).toMatchObject({ schedules: [], runnable: false });
  });
});

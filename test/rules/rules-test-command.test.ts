import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, describe as group, it } from 'vitest';
import { rulesTest } from '../../src/rules/commands/test.ts';
import { tempDir } from '../support/cli.ts';

const root = resolve(import.meta.dirname, '../..');

function capture() {
  const out: string[] = [];
  return {
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => out.push(t) },
      cwd: root,
    },
    text: () => out.join(''),
  };
}

group('rules test', () => {
  it('passes the example rules’ test file', async () => {
    const c = capture();
    const code = await rulesTest('rules/etl.test.yaml', c.io);
    expect(c.text()).toMatch(/rules\/etl\.test\.yaml: 3 passed\n$/);
    expect(code).toBe(0);
  });

  it('replays a recorded .jsonl file and evaluation times', async () => {
    const c = capture();
    const code = await rulesTest('test/rules/fixtures/tests/recorded.test.yaml', c.io);
    expect(c.text()).toContain('1 passed');
    expect(code).toBe(0);
  });

  it('fails with a readable diff of expected and actual notifications', async () => {
    const c = capture();
    const code = await rulesTest('test/rules/fixtures/tests/failing.test.yaml', c.io);
    expect(code).toBe(1);
    expect(c.text()).toBe(
      [
        '  FAIL expects a resolution that has not happened yet',
        '    notifications differ (- expected, + actual):',
        '        - rule: any-flow-failed',
        '          kind: firing',
        '          alerts:',
        '            - summary: "etl failed: Error: boom"',
        '      - - rule: any-flow-failed',
        '      -   kind: resolved',
        '  FAIL expects the wrong summary',
        '    notifications differ (- expected, + actual):',
        '        - rule: any-flow-failed',
        '          kind: firing',
        '          alerts:',
        '      -     - summary: "etl failed: Error: bang"',
        '      +     - summary: "etl failed: Error: boom"',
        'test/rules/fixtures/tests/failing.test.yaml: 2 of 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('says why a flow-late rule could not fire when the case gives its flow no schedule', async () => {
    const c = capture();
    const code = await rulesTest('test/rules/fixtures/unscheduled/late.test.yaml', c.io);
    expect(code).toBe(1);
    expect(c.text()).toContain(
      "    warning: flow-late rule 'orders-late' has no cron or interval and no flow in this case's schedules is one of its flows: it cannot fire\n",
    );
  });

  it('reports a malformed test file with its paths, and runs nothing', async () => {
    const c = capture();
    const code = await rulesTest('test/rules/fixtures/broken/more.yaml', c.io);
    expect(code).toBe(1);
    expect(c.text()).toContain(
      'test/rules/fixtures/broken/more.yaml:5: rules: expected string, received array',
    );
    expect(c.text()).toContain("test/rules/fixtures/broken/more.yaml:1: unknown key 'channels'");
  });

  it('shows the first unexpected notifications of a case over years and counts the rest', async () => {
    const dir = tempDir('flowtel-rules-test-');
    writeFileSync(
      join(dir, 'rules.yaml'),
      'rules: [{ name: any-flow-failed, when: { type: flow-failed } }]\n',
    );
    writeFileSync(
      join(dir, 'years.test.yaml'),
      [
        'tests:',
        '  - name: a failure left firing for ten years',
        '    start: "2026-01-01T00:00:00Z"',
        '    records:',
        '      - { at: "+0s", flow: etl, flowRunId: r1, state: Running }',
        '      - { at: "+1s", flow: etl, flowRunId: r1, state: Failed, error: { type: Error, message: boom } }',
        '    evaluate: ["+3650d"]',
        '    expect: [{ rule: any-flow-failed, kind: firing }]',
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const io = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => out.push(t) },
      cwd: dir,
    };

    const code = await rulesTest('years.test.yaml', io);

    // A repeat every 4 h for ten years: 21,899 repeats, of which the diff shows 20.
    const lines = out.join('').split('\n');
    expect(lines.filter((line) => line.includes('+ - rule: any-flow-failed'))).toHaveLength(20);
    expect(lines).toContain('      + ... and 21879 more notifications');
    expect(code).toBe(1);
  });

  it('counts the slots a per-second flow missed over ten years without visiting them one by one', async () => {
    const dir = tempDir('flowtel-rules-test-');
    writeFileSync(
      join(dir, 'rules.yaml'),
      'rules: [{ name: etl-late, when: { type: flow-late, flow: etl, interval: 1s, grace: 1m } }]\n',
    );
    writeFileSync(
      join(dir, 'late.test.yaml'),
      [
        'tests:',
        '  - name: a per-second flow that does not start for ten years',
        '    start: "2026-01-01T00:00:00Z"',
        '    records:',
        '      - { at: "+3650d", flow: etl, flowRunId: r1, state: Running }',
        '    flush: true',
        '    kinds: [firing, resolved]',
        '    expect:',
        '      - rule: etl-late',
        '        kind: firing',
        '        at: "+1m"',
        '        summary: "etl has not started: it was due at 2026-01-01T00:00:00.000Z, 1m grace"',
        '      - rule: etl-late',
        '        kind: resolved',
        '        alerts:',
        // Every second from the start to a minute (the grace) before the run: 10 × 365 days, less 59 s.
        '          - summary: "etl started at 2035-12-30T00:00:00.000Z; 315359941 scheduled runs were missed"',
        '            facts: { missedSlots: 315359941, scheduledAt: "2026-01-01T00:00:00.000Z" }',
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const io = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => out.push(t) },
      cwd: dir,
    };

    const code = await rulesTest('late.test.yaml', io);

    expect(out.join('')).toBe(
      '  PASS a per-second flow that does not start for ten years\nlate.test.yaml: 1 passed\n',
    );
    expect(code).toBe(0);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunIdentity } from '../../src/cli/serve/worker-child.ts';
import { ConfigError } from '../../src/errors.ts';
import { runCli, tempDir } from '../support/cli.ts';
import { serveFixture } from './worker-support.ts';

describe('flowtel run with a run id and due time from its caller', () => {
  it('runs under FLOWTEL_RUN_ID, for the slot FLOWTEL_SCHEDULED_AT names', async () => {
    const dir = tempDir();
    const result = await runCli(
      ['run', serveFixture('runs', 'daily.ts'), '--param', 'day=2026-11-25', '--record', 'run.jsonl'],
      {
        cwd: dir,
        env: {
          FLOWTEL_RUN_ID: 'nightly-2026-11-25',
          FLOWTEL_SCHEDULED_AT: '2026-11-25T02:00:00+01:00',
          OTEL_SDK_DISABLED: 'true',
        },
      },
    );

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run id   nightly-2026-11-25');
    const records = readFileSync(join(dir, 'run.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { flow: string; flowRunId: string; scheduledAt: string | null });
    const flowRecords = records.filter((record) => record.flow === 'daily');
    expect(new Set(flowRecords.map((record) => record.flowRunId))).toEqual(new Set(['nightly-2026-11-25']));
    expect(flowRecords[0]?.scheduledAt).toBe('2026-11-25T01:00:00.000Z');
  });

  it.each([
    ['FLOWTEL_RUN_ID', 'run/../1', 'FLOWTEL_RUN_ID must be a UUID or a token of 1 to 128 letters'],
    [
      'FLOWTEL_SCHEDULED_AT',
      '2026-11-25 02:00',
      'FLOWTEL_SCHEDULED_AT must be an ISO 8601 time with a time zone',
    ],
    ['FLOWTEL_SCHEDULED_AT', '2026-13-45T02:00:00Z', "got '2026-13-45T02:00:00Z'"],
  ])('refuses %s=%s before anything runs: one line, exit 2', async (variable, value, text) => {
    const result = await runCli(['run', serveFixture('runs', 'daily.ts'), '--param', 'day=2026-11-25'], {
      env: { [variable]: value, OTEL_SDK_DISABLED: 'true' },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(text);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads neither when they are unset or empty', () => {
    expect(readRunIdentity({})).toEqual({});
    expect(readRunIdentity({ FLOWTEL_RUN_ID: '', FLOWTEL_SCHEDULED_AT: ' ' })).toEqual({});
    expect(() => readRunIdentity({ FLOWTEL_RUN_ID: 'a b' })).toThrow(ConfigError);
  });
});

import { afterEach, expect, describe as group, it } from 'vitest';
import { z } from 'zod';
import { startApi, type TestApi } from '../support/api-server.ts';
import { runCli } from '../support/cli.ts';
import { refusedPort } from '../support/ports.ts';
import { MemoryServeBackend } from '../support/serve-backend.ts';

/**
 * The CLI clients as real processes against serve's API on loopback (over an in-memory backend whose
 * clock is the real one: the clients compute times such as `--for 2h` from it).
 */

const TOKEN = 'api-token-for-the-cli-test-42';
let api: TestApi | undefined;
afterEach(() => api?.close());

function backend(): MemoryServeBackend {
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const memory = new MemoryServeBackend(
    { rules: [{ name: 'failed', when: { type: 'flow-failed' } }] },
    new Date(now).toISOString(),
  );
  memory.addFlow('etl', { params: z.strictObject({ day: z.string() }) });
  memory.addRun('r1', 'etl', 'Completed', at(30), { durationMs: 4_200 });
  memory.addRun('r2', 'billing', 'Failed', at(20), { durationMs: 200_000 });
  memory.addRun('r3', 'etl', 'Running', at(5), { durationMs: null });
  return memory;
}

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env: { TZ: 'UTC', FLOWTEL_API_URL: api?.url ?? '', ...env } });
}

group('flowtel runs', () => {
  it('lists runs as a table, newest first, with local times, ages and durations', async () => {
    api = await startApi({ backend: backend() });
    const { code, stdout } = await cli(['runs']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+FLOW\s+STATE\s+DURATION\s+SOURCE\s+RUN ID$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1))).toEqual([
      ['etl', 'Running', '-', 'otlp', 'r3'],
      ['billing', 'Failed', '3m 20s', 'otlp', 'r2'],
      ['etl', 'Completed', '4.2s', 'otlp', 'r1'],
    ]);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(5m( \d+s)? ago\)/);
  });

  it('passes --flow, --state and --limit on, and prints the raw page with --json', async () => {
    api = await startApi({ backend: backend() });
    const filtered = await cli(['runs', '--flow', 'etl', '--state', 'completed', '--json']);
    expect(filtered.code).toBe(0);
    expect(JSON.parse(filtered.stdout)).toMatchObject({ runs: [{ id: 'r1' }], nextCursor: null });
    const limited = await cli(['runs', '--limit', '1']);
    expect(limited.stdout).toContain('(the newest 1; --limit shows up to 1000)');
  });
});

group('flowtel flows', () => {
  it('lists flows with their schedule, next run and last run', async () => {
    api = await startApi({ backend: backend() });
    const { code, stdout } = await cli(['flows']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^FLOW\s+SCHEDULE\s+NEXT RUN\s+LAST RUN\s+RUNNING\n/);
    expect(stdout).toMatch(/etl\s+every 1h\s+\d{4}-.*\s+Running \(5m( \d+s)? ago\)\s+0\n/);
  });
});

group('flowtel silence', () => {
  it('adds a silence for a while, lists it, and expires it', async () => {
    api = await startApi({ backend: backend() });
    const added = await cli([
      'silence',
      'add',
      '--matcher',
      'flow=etl',
      '--matcher',
      'severity=critical',
      '--for',
      '2h',
      '--comment',
      'warehouse migration',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const [silence] = api.backend.silences();
    expect(silence).toMatchObject({
      matchers: { flow: 'etl', labels: { severity: 'critical' } },
      comment: 'warehouse migration',
    });
    expect(silence!.endsAt - Date.now()).toBeGreaterThan(60 * 60_000); // about 2h from now, not already over
    expect(added.stdout).toMatch(
      new RegExp(`^silence ${silence!.id} added: flow=etl severity=critical, until .* \\(in 2h\\)\\n$`),
    );

    const listed = await cli(['silence', 'list']);
    expect(listed.stdout).toMatch(/^ID\s+MATCHERS\s+ENDS\s+COMMENT\n/);
    expect(listed.stdout).toContain(`${silence!.id}  flow=etl severity=critical`);
    expect(listed.stdout).toContain('warehouse migration');

    const expired = await cli(['silence', 'expire', silence!.id]);
    expect(expired).toMatchObject({ code: 0, stdout: `silence ${silence!.id} expired\n` });
    expect(api.backend.silences()).toEqual([]);
  });

  it('refuses an add without a matcher or an end, as bad usage, before asking serve', async () => {
    api = await startApi({ backend: backend() });
    const [noEnd, noMatcher] = await Promise.all([
      cli(['silence', 'add', '--matcher', 'flow=etl']),
      cli(['silence', 'add', '--for', '1h']),
    ]);
    expect(noEnd).toMatchObject({ code: 2 });
    expect(noEnd.stderr).toContain('needs one of --until <time> or --for <duration>');
    expect(noMatcher.code).toBe(2);
    expect(noMatcher.stderr).toContain('needs at least one --matcher key=value');
    expect(api.backend.silences()).toEqual([]);
  });
});

group('flowtel run-now', () => {
  it('starts a run with its parameters, read as typed where the schema wants a string', async () => {
    api = await startApi({ backend: backend() });
    const { code, stdout } = await cli(['run-now', 'etl', '--param', 'day=20261124']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      'started run api-run-1 of etl (Pending)\ntrace: http://tempo.test/trace/trace-api-run-1\n',
    );
    expect(api.backend.started).toEqual([{ flow: 'etl', params: { day: '20261124' } }]);
  });

  it("prints the API's refusal with its details and exits 1", async () => {
    api = await startApi({ backend: backend() });
    const [unknown, invalid] = await Promise.all([
      cli(['run-now', 'nope']),
      cli(['run-now', 'etl', '--param', 'dya=mon']),
    ]);
    expect(unknown).toMatchObject({ code: 1, stderr: "flowtel: no flow 'nope'\n" });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^flowtel: invalid parameters for flow 'etl'\n {2}day: .*\n/);
  });
});

group('finding serve', () => {
  it('says where it looked and how to start serve when nothing answers', async () => {
    const port = await refusedPort(2);
    const { code, stderr } = await runCli(['runs'], { env: { FLOWTEL_API_URL: `http://127.0.0.1:${port}` } });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `flowtel: cannot reach serve at http://127.0.0.1:${port} (connection refused): is \`flowtel serve\` running? FLOWTEL_API_URL says where to look\n`,
    );
  });

  it('refuses a FLOWTEL_API_URL that is not an http URL, as bad usage', async () => {
    const { code, stderr } = await runCli(['flows'], { env: { FLOWTEL_API_URL: 'localhost:4100' } });
    expect(code).toBe(2);
    expect(stderr).toContain('FLOWTEL_API_URL must be an http:// or https:// URL');
  });
});

group('the token', () => {
  it('is sent from FLOWTEL_API_TOKEN; without it, or with another, the client says what to set', async () => {
    api = await startApi({ backend: backend(), token: TOKEN });
    api.backend.engine.addSilence({ id: 'quiet', matchers: { flow: 'etl' }, endsAt: Date.now() + 3_600_000 });
    const [missing, wrong] = await Promise.all([
      cli(['silence', 'expire', 'quiet']),
      cli(['silence', 'expire', 'quiet'], { FLOWTEL_API_TOKEN: 'not-it' }),
    ]);
    expect(missing).toMatchObject({
      code: 1,
      stderr:
        'flowtel: serve needs a token for this: set FLOWTEL_API_TOKEN to the token serve was started with\n',
    });
    expect(wrong).toMatchObject({
      code: 1,
      stderr: 'flowtel: FLOWTEL_API_TOKEN is not the token serve was started with\n',
    });
    expect(api.backend.silences()).toHaveLength(1);

    const allowed = await cli(['silence', 'expire', 'quiet'], { FLOWTEL_API_TOKEN: TOKEN });
    expect(allowed.code).toBe(0);
    expect(api.backend.silences()).toEqual([]);
    expect(allowed.stdout + allowed.stderr).not.toContain(TOKEN);
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpSpanKind } from '../../src/receiver/otlp/index.ts';
import { fixture, runCli, startCli, tempDir } from '../support/cli.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { refusedPort } from '../support/ports.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

function otlpEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...extra };
}

function spansOfRun(runId: string) {
  const flowSpan = receiver.spans.find((s) => s.attributes['cicd.pipeline.run.id'] === runId);
  if (!flowSpan) return [];
  return receiver.spans.filter((s) => s.traceId === flowSpan.traceId);
}

function runIdFrom(stdout: string): string {
  const match = /run id\s+([0-9a-f-]{36})/.exec(stdout);
  if (!match?.[1]) throw new Error(`no run id in:\n${stdout}`);
  return match[1];
}

describe('flowtel run', () => {
  it('runs a TypeScript flow, exits 0, prints its trace id, and every span reaches the backend', async () => {
    const result = await runCli(['run', fixture('ok.ts'), '--param', 'n=5'], { env: otlpEnv() });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('flow ok Completed');
    const traceId = /trace id ([0-9a-f]{32})/.exec(result.stdout)?.[1];
    expect(traceId).toBeDefined();
    const spans = spansOfRun(runIdFrom(result.stdout));
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    const root = spans.find((s) => s.name === 'flow ok')!;
    expect(root.kind).toBe(OtlpSpanKind.SERVER);
    expect(root.attributes['flowtel.parameter.n']).toBe(5);
    expect(spans.filter((s) => s.name === 'task double')).toHaveLength(201);
    expect(spans.find((s) => s.name === 'flow child')?.parentSpanId).toBe(root.spanId);
    expect(root.resource['service.name']).toBe('ok');
    expect(root.resource['service.instance.id']).toBeDefined();
    await receiver.waitFor(
      () => receiver.logs.some((l) => l.body === 'doubled' && l.traceId === traceId),
      5000,
    );
  });

  it('prints flow transitions and a summary in a pipe, not a line per task', async () => {
    const result = await runCli(['run', fixture('ok.ts')], { env: otlpEnv() });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeLessThan(20);
    expect(result.stdout).toMatch(/flow ok Running/);
    expect(result.stdout).not.toMatch(/task double/);
  });

  it('exits 1 when the run fails, naming the task and the error', async () => {
    const result = await runCli(['run', fixture('failing.ts')], { env: otlpEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('flow failing Failed');
    expect(result.stdout).toContain('task load Failed after 1 attempt(s): Error: duplicate key');
  });

  it('runs a plain JavaScript file too', async () => {
    const result = await runCli(['run', fixture('plain.js'), '--param', 'name=world'], { env: otlpEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('flow plain-js Completed');
  });

  it('writes the transition records with --record, parameters parsed as JSON where they can be', async () => {
    const dir = tempDir();
    const file = join(dir, 'run.jsonl');
    const result = await runCli(
      [
        'run',
        fixture('ok.ts'),
        '--param',
        'n=5',
        '--param',
        'dry=true',
        '--param',
        'label=5x',
        '--record',
        file,
      ],
      { env: otlpEnv(), cwd: dir },
    );
    expect(result.code).toBe(0);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            v: number;
            seq: number;
            task?: string;
            state: { name: string };
            params?: unknown;
          },
      );
    expect(records).toHaveLength(2 + 3 * 201 + 4);
    expect(records[0]).toMatchObject({ v: 1, seq: 1, state: { name: 'Pending' } });
    expect(records[1]?.params).toEqual({ n: 5, dry: true, label: '5x', apiToken: '[REDACTED]' });
    expect(records.at(-1)?.state.name).toBe('Completed');
  });

  it('makes the flow run a child of TRACEPARENT', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const result = await runCli(['run', fixture('ok.ts')], {
      env: otlpEnv({ TRACEPARENT: `00-${traceId}-b7ad6b7169203331-01` }),
    });
    expect(result.code).toBe(0);
    const root = spansOfRun(runIdFrom(result.stdout)).find((s) => s.name === 'flow ok')!;
    expect(root.traceId).toBe(traceId);
    expect(root.parentSpanId).toBe('b7ad6b7169203331');
  });

  it('exports no byte of a secret parameter, resource attributes included', async () => {
    const secret = 'sk-live-5f2b9c0e7d';
    const result = await runCli(['run', fixture('ok.ts'), '--param', `apiToken=${secret}`], {
      env: otlpEnv(),
    });
    expect(result.code).toBe(0);
    const traceId = /trace id ([0-9a-f]{32})/.exec(result.stdout)?.[1];
    await receiver.waitFor(() => receiver.logs.some((l) => l.traceId === traceId), 5000);
    const exported = JSON.stringify([receiver.spans, receiver.logs, receiver.metrics], (_, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(exported).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('exits by itself after the run, with the summary, even when user code leaves a server and a timer open', async () => {
    const result = await runCli(['run', fixture('open-handles.ts')], { env: otlpEnv() });

    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    expect(result.stdout).toMatch(/^flow open-handles Completed in \d+ms \(task runs: 1 completed\)$/m);
  });

  it('finishes the run and exits when the OTLP endpoint is unreachable', async () => {
    const port = await refusedPort();
    const result = await runCli(['run', fixture('ok.ts')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('flow ok Completed');
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`cancels the run on ${signal}, flushes, and exits ${code}`, async () => {
      const dir = tempDir();
      const file = join(dir, 'run.jsonl');
      const run = startCli(['run', fixture('waits-for-signal.ts'), '--record', file], {
        env: otlpEnv(),
        cwd: dir,
      });
      await run.waitForOutput('READY');
      run.child.kill(signal);
      const result = await run.done;
      expect(result.code).toBe(code);
      expect(result.stdout).toContain('flow waits Cancelled');
      const last = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as {
        state: { name: string };
      };
      expect(last.state.name).toBe('Cancelled');
    });
  }
});

describe('flowtel run waiting on a run that holds no handle', () => {
  it('stays up until the signal comes, rather than letting Node exit on an empty event loop', async () => {
    // No exporter, no rules: nothing but flowtel itself keeps the process alive while the task waits.
    const run = startCli(['run', fixture('waits-idle.ts')], {
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    });
    // Printed by a timer that holds nothing: the process outlived the moment its event loop was empty.
    await run.waitForOutput('IDLE');
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('flow waits-idle Cancelled');
  });
});

describe('flowtel run refuses bad input with exit 2 and one line to fix', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no file', ['run'], /needs a file/],
    ['a missing file', ['run', 'nope.ts'], /cannot find nope\.ts/],
    [
      'a file that throws on load',
      ['run', fixture('throws-on-load.ts')],
      /does not load: DATABASE_URL is not set/,
    ],
    ['a file with no flow', ['run', fixture('no-flow.ts')], /exports no flow/],
    [
      'several flows without --flow',
      ['run', fixture('two-flows.ts')],
      /several flows; pick one with --flow: first, second-flow/,
    ],
    ['an unknown flow', ['run', fixture('two-flows.ts'), '--flow', 'third'], /no flow named 'third'/],
    [
      'an unknown option',
      ['run', fixture('ok.ts'), '--parm', 'n=1'],
      /^flowtel: Unknown option '--parm' \(see flowtel run --help\)\n$/,
    ],
    [
      'a malformed --param',
      ['run', fixture('ok.ts'), '--param', 'n'],
      /--param must look like key=value, got 'n'/,
    ],
    ['an unknown command', ['deploy'], /unknown command 'deploy'/],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      const result = await runCli(args, { env: otlpEnv() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    });
  }

  it('refuses invalid parameters before any run starts: no telemetry, no alert', async () => {
    const before = receiver.requests.length;
    const dir = tempDir();
    writeRules(dir);
    const result = await runCli(['run', fixture('ok.ts'), '--param', 'n=five', '--param', 'dry=maybe'], {
      env: otlpEnv(),
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("invalid parameters for flow 'ok' (no run was started)");
    expect(result.stderr).toMatch(/--param n: .*expected number/);
    expect(result.stderr).toMatch(/--param dry: .*expected boolean/);
    expect(result.stderr).not.toContain('FIRING');
    expect(receiver.requests.length).toBe(before);
  });

  it('takes a --param value as typed when the field wants a string (label=20261124), and says what is wrong with it', async () => {
    const dir = tempDir();
    const file = join(dir, 'run.jsonl');
    const accepted = await runCli(
      ['run', fixture('ok.ts'), '--param', 'label=20261124', '--param', 'n=5', '--record', file],
      { env: otlpEnv(), cwd: dir },
    );
    expect(accepted.code).toBe(0);
    const started = JSON.parse(readFileSync(file, 'utf8').split('\n')[1] ?? '{}') as { params?: unknown };
    expect(started.params).toMatchObject({ label: '20261124', n: 5 });

    const refused = await runCli(['run', fixture('ok.ts'), '--param', 'n=true', '--param', 'dry=1'], {
      env: otlpEnv(),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--param n: .*expected number/);
    expect(refused.stderr).toMatch(/--param dry: .*expected boolean/);
  });

  it('runs flows picked with --flow by flow name or export name', async () => {
    const byName = await runCli(['run', fixture('two-flows.ts'), '--flow', 'second-flow'], {
      env: otlpEnv(),
    });
    const byExport = await runCli(['run', fixture('two-flows.ts'), '--flow', 'second'], { env: otlpEnv() });
    expect(byName.stdout).toContain('flow second-flow Completed');
    expect(byExport.stdout).toContain('flow second-flow Completed');
  });

  it('prints help', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes');
  });
});

describe('flowtel run with a rules folder', () => {
  it('prints the alert a failing run would send, naming the variable to set', async () => {
    const dir = tempDir();
    writeRules(dir);
    const result = await runCli(['run', fixture('failing.ts')], {
      env: otlpEnv({ FLOWTEL_TRACE_URL: 'http://jaeger.local/trace/{traceId}' }),
      cwd: dir,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FIRING failed');
    expect(result.stderr).toContain("channel 'data' is not configured: set SLACK_WEBHOOK_URL");
    expect(result.stdout).toMatch(/trace\s+http:\/\/jaeger\.local\/trace\/[0-9a-f]{32}/);
  });

  it('refuses to start with exit 2 when the rules folder is broken', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'bad.yaml'), 'rules:\n  - name: x\n    when: { type: flow-exploded }\n');
    const result = await runCli(['run', fixture('ok.ts')], { env: otlpEnv(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.yaml');
  });

  it('refuses to start with exit 2 and one line to fix when FLOWTEL_HOME cannot hold its database', async () => {
    const dir = tempDir();
    writeRules(dir);
    const notAFolder = join(dir, 'home-is-a-file');
    writeFileSync(notAFolder, '');
    const result = await runCli(['run', fixture('failing.ts')], {
      env: { ...otlpEnv(), FLOWTEL_HOME: notAFolder },
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^flowtel: cannot keep alert state in .*home-is-a-file.flowtel\.db: .+ \(set FLOWTEL_HOME to a writable folder, or FLOWTEL_ALERTING=off\)$/,
      ),
    ]);
    expect(result.stdout).not.toContain('flow failing');
  });
});

function writeRules(dir: string): void {
  mkdirSync(join(dir, 'rules'), { recursive: true });
  writeFileSync(
    join(dir, 'rules', 'alerts.yaml'),
    [
      'channels:',
      '  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }',
      'defaults: { notify: [data] }',
      'rules:',
      '  - name: failed',
      '    when: { type: flow-failed }',
      '',
    ].join('\n'),
  );
}

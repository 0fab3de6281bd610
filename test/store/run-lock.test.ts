import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'waits-for-gate-file.ts');

describe('flowtel run --lock', () => {
  it('refuses a second run of a flow while the first holds its lock, and lets the next one run', async () => {
    const cwd = tempDir('flowtel-run-lock-');
    const gate = join(cwd, 'go');
    const env = {
      GATE_FILE: gate,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };
    const first = startCli(['run', FIXTURE, '--lock'], { cwd, env });
    await first.waitForOutput('READY');

    const second = await startCli(['run', FIXTURE, '--lock'], { cwd, env }).done;
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(
      new RegExp(
        `^flow 'gated' is already running \\(pid ${first.child.pid} on .+, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); not started\\n$`,
      ),
    );
    expect(second.stdout).toBe('');

    writeFileSync(gate, '');
    const done = await first.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('flow gated Completed');

    const third = await startCli(['run', FIXTURE, '--lock'], { cwd, env }).done;
    expect(third.code).toBe(0);
  });

  it('takes over the lock of a run whose process was killed', async () => {
    const cwd = tempDir('flowtel-run-lock-');
    const env = {
      GATE_FILE: join(cwd, 'never'),
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };
    const killed = startCli(['run', FIXTURE, '--lock'], { cwd, env });
    await killed.waitForOutput('READY');
    killed.child.kill('SIGKILL');
    await killed.done;
    writeFileSync(join(cwd, 'never'), '');
    const next = await startCli(['run', FIXTURE, '--lock'], { cwd, env }).done;
    expect(next.stderr).not.toContain('already running');
    expect(next.code).toBe(0);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRecordFile } from '../../src/cli/record-file.ts';
import { UsageError } from '../../src/cli/usage.ts';
import { fixture, runCli, tempDir } from '../support/cli.ts';

// /dev/full opens like any file and fails every write with ENOSPC: a full disk.
const FULL_DISK = '/dev/full';

describe('flowtel run --record', () => {
  it('refuses a path it cannot write before any run starts: one line, exit 2', async () => {
    const path = join(tempDir(), 'no-such-folder', 'run.jsonl');
    const result = await runCli(['run', fixture('failing.ts'), '--record', path], {
      env: { OTEL_SDK_DISABLED: 'true' },
    });

    expect(result.stderr).toBe(
      `flowtel: --record ${path}: cannot write there: ENOENT: no such file or directory, open '${path}'\n`,
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  });

  it('survives a full disk: says so once, and the run ends with its final state and exit code', async () => {
    const result = await runCli(['run', fixture('failing.ts'), '--record', FULL_DISK], {
      env: { OTEL_SDK_DISABLED: 'true' },
    });

    expect(result.stdout).toContain('flow failing Failed');
    expect(result.stderr.match(/--record \/dev\/full: ENOSPC/g)).toHaveLength(1);
    expect(result.stderr).not.toContain('Unhandled');
    expect(result.code).toBe(1);
  });
});

describe('openRecordFile', () => {
  it('throws a usage error naming a folder given as the path', () => {
    const dir = tempDir();
    expect(() => openRecordFile(dir, () => {})).toThrow(UsageError);
    expect(() => openRecordFile(dir, () => {})).toThrow(`--record ${dir}: cannot write there: EISDIR`);
  });

  it('stops recording at the first failed write and reports it once', async () => {
    const reports: string[] = [];
    const file = openRecordFile(FULL_DISK, (line) => reports.push(line));
    for (let seq = 0; seq < 100; seq++) file.write({ seq });
    await file.close();
    file.write({ seq: 100 });

    expect(reports).toEqual([
      'flowtel: --record /dev/full: ENOSPC: no space left on device, write; recording stopped, the run goes on\n',
    ]);
  });

  it('replaces an earlier recording only once the run writes its first record', async () => {
    const path = join(tempDir(), 'run.jsonl');
    writeFileSync(path, '{"earlier":true}\n');
    const refused = openRecordFile(path, () => {});
    await refused.close();
    expect(readFileSync(path, 'utf8')).toBe('{"earlier":true}\n');

    const file = openRecordFile(path, () => {});
    file.write({ seq: 0 });
    file.write({ seq: 1 });
    await file.close();
    expect(readFileSync(path, 'utf8')).toBe('{"seq":0}\n{"seq":1}\n');
  });
});

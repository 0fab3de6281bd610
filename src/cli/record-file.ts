import { createWriteStream, ftruncateSync, openSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { processSecrets } from '../secrets.ts';
import { UsageError } from './usage.ts';

export interface RecordFile {
  /** Appends one transition record as a JSON line; after a write error or `close()`, does nothing. */
  write(record: unknown): void;
  /** Flushes what is buffered and closes the file; never rejects. */
  close(): Promise<void>;
}

/**
 * The `--record` file, opened before the run so that a path that cannot be written (a missing folder,
 * a directory, no permission) is a usage error and no run starts. A write that fails during the run (a
 * full disk) ends the recording, not the run: `report` says so once and the run goes on to its end, its
 * alerts and its telemetry.
 *
 * Opened for appending and emptied at the first record, so a run refused after this check (broken rules,
 * a locked store) leaves an earlier recording at that path as it was.
 */
export function openRecordFile(path: string, report: (line: string) => void): RecordFile {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (error) {
    throw new UsageError(`--record ${path}: cannot write there: ${reason(error)}`);
  }
  const stream = createWriteStream(path, { fd });
  let failed = false;
  let started = false;
  let closing = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    report(`flowtel: --record ${path}: ${reason(error)}; recording stopped, the run goes on\n`);
  };
  stream.on('error', fail);
  const closed = finished(stream).catch(fail);
  return {
    write(record) {
      if (failed || closing) return;
      if (!started) {
        started = true;
        if (!empty(fd, fail)) return;
      }
      stream.write(`${processSecrets().stringify(record)}\n`);
    },
    async close() {
      closing = true;
      if (!stream.destroyed) stream.end();
      await closed;
    },
  };
}

/** Empties the file before its first record; a pipe or a device (`/dev/stdout`) has nothing to empty. */
function empty(fd: number, fail: (error: unknown) => void): boolean {
  try {
    ftruncateSync(fd, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') {
      fail(error);
      return false;
    }
  }
  return true;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

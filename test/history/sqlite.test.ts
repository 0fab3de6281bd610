import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import { openRunHistory } from '../../src/store/index.ts';
import { runHistoryContract } from './contract.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-history-'));
let homes = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (clock: ManualClock) =>
  openRunHistory({ home: join(root, `h${++homes}`), clock, log: () => {} });

// Read at once, with the turn's writes still pending (merged over the file), and after they are stored.
runHistoryContract('SqliteRunHistory, writes pending', { open, settle: async () => {} });
runHistoryContract('SqliteRunHistory, writes stored', {
  open,
  settle: async (history) => {
    await history.flush(1_000);
  },
});

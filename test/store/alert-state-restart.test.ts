import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { createRulesEngine } from '../../src/rules/engine.ts';
import { loadRules } from '../../src/rules/load.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { openStore } from '../../src/store/index.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-restart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
const flowEnd = (at: string, runId: string, failed: boolean): TransitionRecord => ({
  v: 1,
  seq: ++seq,
  at,
  flow: 'nightly-orders',
  flowRunId: runId,
  attempt: 1,
  state: failed ? { type: 'FAILED', name: 'Failed' } : { type: 'COMPLETED', name: 'Completed' },
  ...(failed ? { error: { type: 'TypeError', message: 'boom' } } : {}),
  tags: [],
  scheduledAt: null,
});

describe('alert state in flowtel.db across a restart', () => {
  it('a firing alert is not announced again before repeatInterval, and its resolution still comes', async () => {
    const rulesDir = join(root, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(
      join(rulesDir, 'alerts.yaml'),
      'channels:\n  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }\n' +
        'defaults: { notify: [data], repeatInterval: 4h }\n' +
        'rules:\n  - name: orders-failed\n    when: { type: flow-failed, flow: nightly-orders }\n',
    );
    const rules = await loadRules(rulesDir, { env: { SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/x' } });
    const home = join(root, 'home');
    const sent: Notification[] = [];
    const clock = new ManualClock('2026-11-25T02:00:00Z');

    const store1 = await openStore({ home });
    const engine1 = createRulesEngine({
      rules,
      clock,
      store: store1.alertState,
      sink: (n) => void sent.push(n),
    });
    engine1.process(flowEnd('2026-11-25T02:00:00Z', 'run-1', true));
    engine1.flush();
    engine1.close();
    store1.close();
    expect(sent.map((n) => n.kind)).toEqual(['firing']);

    // The process restarts; the flow fails again within repeatInterval, then completes.
    clock.advanceBy(60_000);
    const store2 = await openStore({ home });
    const engine2 = createRulesEngine({
      rules,
      clock,
      store: store2.alertState,
      sink: (n) => void sent.push(n),
    });
    engine2.process(flowEnd('2026-11-25T02:01:00Z', 'run-2', true));
    engine2.flush();
    expect(sent.map((n) => n.kind)).toEqual(['firing']);
    clock.advanceBy(60_000);
    engine2.process(flowEnd('2026-11-25T02:02:00Z', 'run-3', false));
    engine2.flush();
    engine2.close();
    store2.close();
    expect(sent.map((n) => n.kind)).toEqual(['firing', 'resolved']);
  });
});

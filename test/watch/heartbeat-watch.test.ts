import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { type CrashedRun, HeartbeatWatch } from '../../src/watch/heartbeat-watch.ts';

const START = Date.parse('2026-11-25T02:00:00Z');

function watch(options: { defaultIntervalMs?: number } = {}) {
  const clock = new ManualClock(START);
  const crashed: CrashedRun[] = [];
  const heartbeats = new HeartbeatWatch({ clock, onCrashed: (run) => void crashed.push(run), ...options });
  return { clock, crashed, heartbeats };
}

describe('the crash watch', () => {
  it('marks a run crashed after three of its own intervals of silence, and not a moment before', () => {
    const { clock, crashed, heartbeats } = watch();
    heartbeats.heard('run-1', START, 1_000);

    clock.advanceTo(START + 2_999);
    expect(crashed).toEqual([]);
    clock.advanceTo(START + 3_000);
    expect(crashed).toEqual([{ runId: 'run-1', lastHeardAt: START, intervalMs: 1_000 }]);
    clock.advanceBy(60_000);
    expect(crashed).toHaveLength(1);
    expect(heartbeats.watching()).toBe(0);
  });

  it('starts counting again at every heartbeat', () => {
    const { clock, crashed, heartbeats } = watch();
    heartbeats.heard('run-1', START, 1_000);
    for (let beat = 1; beat <= 10; beat++) {
      clock.advanceTo(START + beat * 2_000);
      heartbeats.heard('run-1', clock.now());
    }
    expect(crashed).toEqual([]);

    clock.advanceBy(3_000);
    expect(crashed.map((run) => run.lastHeardAt)).toEqual([START + 20_000]);
  });

  it('never marks a run that ended, even when a late heartbeat of it arrives afterwards', () => {
    const { clock, crashed, heartbeats } = watch();
    heartbeats.heard('run-1', START, 1_000);
    heartbeats.ended('run-1');
    heartbeats.heard('run-1', START + 500, 1_000);

    clock.advanceBy(3_600_000);
    expect(crashed).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('waits three default intervals for a run that never said its interval', () => {
    const { clock, crashed, heartbeats } = watch({ defaultIntervalMs: 30_000 });
    heartbeats.heard('old-sender', START);

    clock.advanceTo(START + 89_999);
    expect(crashed).toEqual([]);
    clock.advanceTo(START + 90_000);
    expect(crashed).toEqual([{ runId: 'old-sender', lastHeardAt: START, intervalMs: 30_000 }]);
  });

  it('keeps a run’s interval once announced, and is not set back by a heartbeat that arrives out of order', () => {
    const { clock, crashed, heartbeats } = watch({ defaultIntervalMs: 30_000 });
    heartbeats.heard('run-1', START + 4_000, 2_000);
    heartbeats.heard('run-1', START); // an older batch, delivered late

    clock.advanceTo(START + 9_999);
    expect(crashed).toEqual([]);
    clock.advanceTo(START + 10_000);
    expect(crashed).toEqual([{ runId: 'run-1', lastHeardAt: START + 4_000, intervalMs: 2_000 }]);
  });

  it('watches each run on its own, including runs last heard of before a restart', () => {
    const { clock, crashed, heartbeats } = watch();
    heartbeats.heard('before-restart', START - 10_000, 1_000); // its deadline has already passed
    heartbeats.heard('slow', START, 60_000);

    clock.advanceBy(1);
    expect(crashed.map((run) => run.runId)).toEqual(['before-restart']);
    clock.advanceTo(START + 180_000);
    expect(crashed.map((run) => run.runId)).toEqual(['before-restart', 'slow']);
  });

  it('refuses a default interval that is not a positive number, naming it', () => {
    expect(() => watch({ defaultIntervalMs: 0 })).toThrow(
      'defaultIntervalMs must be a number above 0, got 0',
    );
  });
});

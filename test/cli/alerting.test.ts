import { describe, expect, it } from 'vitest';
import { cannotKeepState } from '../../src/cli/alerting.ts';

describe('flowtel run without a usable flowtel.db', () => {
  it('says another process holds the file when it is locked, not that the folder is unwritable', () => {
    const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(cannotKeepState(locked, { FLOWTEL_HOME: '/srv/flowtel' }).message).toBe(
      'cannot keep alert state in /srv/flowtel/flowtel.db: database is locked (another process holds it locked; try again, or set FLOWTEL_ALERTING=off)',
    );
  });

  it('points at FLOWTEL_HOME when the file cannot be created', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/flowtel'"), {
      code: 'EACCES',
    });
    expect(cannotKeepState(denied, { FLOWTEL_HOME: '/srv/flowtel' }).message).toMatch(
      /EACCES: permission denied, mkdir '\/srv\/flowtel' \(set FLOWTEL_HOME to a writable folder, or FLOWTEL_ALERTING=off\)$/,
    );
  });
});

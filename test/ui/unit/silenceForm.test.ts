import { describe, expect, it } from 'vitest';
import { parseDuration, silenceBody } from '../../../ui/src/pages/silenceForm.ts';

/** The silence form: what it sends to POST /api/v1/silences, and what it refuses with a reason. */

const form = { rule: '', flow: '', labels: '', duration: '2h', comment: '' };
const NOW = Date.parse('2026-12-01T10:00:00.000Z');

describe('the silence form', () => {
  it('sends the matchers given, ending after the duration', () => {
    const result = silenceBody(
      { ...form, rule: ' flow-failed ', labels: 'team=data, env = prod', comment: ' deploy ' },
      NOW,
    );
    expect(result).toEqual({
      body: {
        matchers: { rule: 'flow-failed', labels: { team: 'data', env: 'prod' } },
        endsAt: '2026-12-01T12:00:00.000Z',
        createdBy: 'run UI',
        comment: 'deploy',
      },
    });
  });

  it('reads durations in minutes, hours and days, and nothing else', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration(' 1.5h ')).toBe(90 * 60_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('30')).toBeNull();
    expect(parseDuration('2w')).toBeNull();
  });

  it('refuses a bad duration, naming what it got', () => {
    expect(silenceBody({ ...form, flow: 'etl', duration: 'soon' }, NOW)).toEqual({
      problem: 'duration must be like 30m, 2h or 1d, got "soon"',
    });
    expect(silenceBody({ ...form, flow: 'etl', duration: '0m' }, NOW)).toHaveProperty('problem');
  });

  it('refuses a label that is not key=value, and a silence that would match everything', () => {
    expect(silenceBody({ ...form, labels: 'team' }, NOW)).toEqual({
      problem: 'label matcher "team" must be key=value',
    });
    expect(silenceBody(form, NOW)).toEqual({ problem: 'give at least one matcher (rule, flow or a label)' });
  });
});

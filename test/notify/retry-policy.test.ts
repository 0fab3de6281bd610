import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  isMessageRefused,
  parseRetryAfter,
} from '../../src/notify/retry-policy.ts';

const policy = {
  ...DEFAULT_RETRY_POLICY,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxAttempts: 4,
  maxElapsedMs: 600_000,
};
const first = { attempts: 1, elapsedMs: 0 };

describe('the retry policy', () => {
  it('waits exactly what Slack asks on a 429 with Retry-After', () => {
    expect(
      decideRetry({ kind: 'http', status: 429, reason: 'rate_limited', retryAfterMs: 30_000 }, first, policy),
    ).toEqual({
      action: 'retry',
      delayMs: 30_000,
      askedMs: 30_000,
    });
  });

  it('backs off exponentially with jitter between half and all of the step on 5xx, timeouts and network errors', () => {
    for (const failure of [
      { kind: 'http', status: 503, reason: 'x' },
      { kind: 'timeout', reason: 'x' },
      { kind: 'network', reason: 'ECONNREFUSED' },
    ] as const) {
      expect(decideRetry(failure, { attempts: 1, elapsedMs: 0 }, policy, 0)).toEqual({
        action: 'retry',
        delayMs: 500,
      });
      expect(decideRetry(failure, { attempts: 1, elapsedMs: 0 }, policy, 0.999)).toEqual({
        action: 'retry',
        delayMs: 1000,
      });
      expect(decideRetry(failure, { attempts: 3, elapsedMs: 0 }, policy, 0)).toEqual({
        action: 'retry',
        delayMs: 2000,
      });
    }
  });

  it('caps a single wait at maxDelayMs', () => {
    const long = { ...policy, maxAttempts: 100 };
    expect(decideRetry({ kind: 'timeout', reason: 'x' }, { attempts: 30, elapsedMs: 0 }, long, 0)).toEqual({
      action: 'retry',
      delayMs: 30_000,
    });
  });

  it('gives up after maxAttempts, and once maxElapsedMs would be passed', () => {
    expect(
      decideRetry({ kind: 'http', status: 500, reason: 'x' }, { attempts: 4, elapsedMs: 0 }, policy).action,
    ).toBe('give-up');
    expect(
      decideRetry({ kind: 'http', status: 500, reason: 'x' }, { attempts: 2, elapsedMs: 599_999 }, policy, 0)
        .action,
    ).toBe('give-up');
  });

  it('does not spend attempts on 429s, only time', () => {
    const rateLimited = { kind: 'http', status: 429, reason: 'rate_limited' } as const;
    expect(decideRetry(rateLimited, { attempts: 50, elapsedMs: 0 }, policy).action).toBe('retry');
    expect(decideRetry(rateLimited, { attempts: 2, elapsedMs: 600_000 }, policy).action).toBe('give-up');
  });

  const day = 86_400_000;
  const asked = (retryAfterMs: number) =>
    ({ kind: 'http', status: 429, reason: 'rate_limited', retryAfterMs }) as const;

  it('waits as long as the receiver asks, past the failure budget, up to a day from the first attempt', () => {
    expect(decideRetry(asked(3_601_000), first, policy)).toEqual({
      action: 'retry',
      delayMs: 3_601_000,
      askedMs: 3_601_000,
    });
    expect(decideRetry(asked(99_999_999_000), first, policy)).toEqual({
      action: 'retry',
      delayMs: day,
      askedMs: 99_999_999_000,
    });
    // Asked again after 20 h of waiting: the wait is cut so the last attempt falls at the day's end.
    expect(decideRetry(asked(10 * 3_600_000), { attempts: 2, elapsedMs: 20 * 3_600_000 }, policy)).toEqual({
      action: 'retry',
      delayMs: 4 * 3_600_000,
      askedMs: 10 * 3_600_000,
    });
  });

  it('gives up on a receiver still asking to wait a day after the first attempt', () => {
    expect(decideRetry(asked(1000), { attempts: 30, elapsedMs: day }, policy)).toEqual({
      action: 'give-up',
      reason: 'still rate limited 1d after the first attempt',
    });
  });

  it('never retries other 4xx, config errors or permanent SMTP replies', () => {
    for (const failure of [
      { kind: 'http', status: 404, reason: 'no_service' },
      { kind: 'http', status: 400, reason: 'invalid_payload' },
      { kind: 'config', reason: 'bad URL' },
      { kind: 'smtp', status: 550, reason: 'mailbox unavailable' },
    ] as const) {
      expect(decideRetry(failure, first, policy).action).toBe('give-up');
    }
    expect(decideRetry({ kind: 'smtp', status: 451, reason: 'try later' }, first, policy).action).toBe(
      'retry',
    );
  });

  it('tells a refused message (worth splitting a group) from a refused channel or a passing failure', () => {
    const refused = [
      { kind: 'http', status: 400, reason: 'invalid_blocks' },
      { kind: 'http', status: 413, reason: 'too large' },
      { kind: 'http', status: 422, reason: 'unprocessable' },
      { kind: 'smtp', status: 552, reason: 'message size exceeds fixed maximum' },
      { kind: 'smtp', status: 554, reason: 'rejected' },
    ] as const;
    const notTheMessage = [
      { kind: 'http', status: 403, reason: 'invalid_token' },
      { kind: 'http', status: 404, reason: 'no_service' },
      { kind: 'http', status: 503, reason: 'busy' },
      { kind: 'smtp', status: 550, reason: 'mailbox unavailable' },
      { kind: 'smtp', status: 451, reason: 'try later' },
      { kind: 'config', reason: 'bad URL' },
      { kind: 'timeout', reason: 'x' },
    ] as const;
    expect(refused.map(isMessageRefused)).toEqual(refused.map(() => true));
    expect(notTheMessage.map(isMessageRefused)).toEqual(notTheMessage.map(() => false));
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 02:00:10 GMT', Date.parse('2026-11-25T02:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

import { TraceFlags, trace } from '@opentelemetry/api';
import { NonRetryableError } from 'flowtel';
import { describe, expect, it } from 'vitest';
import { afterAttempt, type RetryPolicy, retryDelay } from '../../src/runtime/retry.ts';
import { isFinal, resultOf, runningName, stateOf } from '../../src/runtime/state.ts';
import { resolveTaskOptions } from '../../src/runtime/task-options.ts';
import { isSecretKey, redactParams } from '../../src/telemetry/redact.ts';
import { contextFromTraceparent } from '../../src/telemetry/traceparent.ts';

const policy: RetryPolicy = {
  retries: 3,
  delayMs: 1000,
  backoff: 'exponential',
  jitter: 0,
  maxDelayMs: 3000,
  retryIf: undefined,
};

describe('what follows a failed attempt', () => {
  it('retries with exponential backoff capped at the maximum delay', () => {
    expect([1, 2, 3].map((attempt) => retryDelay(policy, attempt))).toEqual([1000, 2000, 3000]);
    expect(retryDelay({ ...policy, backoff: 'fixed' }, 3)).toBe(1000);
  });

  it('spreads delays by the jitter fraction, both ways', () => {
    const jittered = { ...policy, jitter: 0.5, backoff: 'fixed' as const };
    expect(retryDelay(jittered, 1, () => 0)).toBe(500);
    expect(retryDelay(jittered, 1, () => 1)).toBe(1500);
  });

  it('fails after the last retry, times out as TimedOut, never retries a cancellation', () => {
    expect(afterAttempt(policy, 1, 'failed', new Error())).toEqual({ next: 'AwaitingRetry', delayMs: 1000 });
    expect(afterAttempt(policy, 4, 'failed', new Error())).toEqual({ next: 'Failed' });
    expect(afterAttempt(policy, 4, 'timed-out', new Error())).toEqual({ next: 'TimedOut' });
    expect(afterAttempt(policy, 1, 'cancelled', new Error())).toEqual({ next: 'Cancelled' });
    expect(afterAttempt(policy, 1, 'failed', new NonRetryableError('no'))).toEqual({ next: 'Failed' });
  });

  it('treats a retryIf that throws as "do not retry"', () => {
    const retryIf = () => {
      throw new Error('bug in predicate');
    };
    expect(afterAttempt({ ...policy, retryIf }, 1, 'failed', new Error())).toEqual({ next: 'Failed' });
  });
});

describe('states', () => {
  it('names sub-states with their type and maps final states to CI/CD results', () => {
    expect(stateOf('TimedOut', 0)).toEqual({
      type: 'FAILED',
      name: 'TimedOut',
      at: '1970-01-01T00:00:00.000Z',
    });
    expect(stateOf('AwaitingRetry', 0, 'in 1s').message).toBe('in 1s');
    expect(runningName(1)).toBe('Running');
    expect(runningName(2)).toBe('Retrying');
    expect(isFinal('COMPLETED')).toBe(true);
    expect(isFinal('SCHEDULED')).toBe(false);
    expect(
      ['Completed', 'Failed', 'TimedOut', 'Cancelled', 'Crashed'].map((n) => resultOf(n as never)),
    ).toEqual(['success', 'failure', 'timeout', 'cancellation', 'error']);
  });
});

describe('parameter redaction', () => {
  it('recognises secret-looking keys', () => {
    for (const key of [
      'password',
      'apiToken',
      'api_key',
      'clientSecret',
      'Authorization',
      'dbCredentials',
      'sshKey',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['day', 'customer', 'monkeyCount', 'limit']) expect(isSecretKey(key), key).toBe(false);
  });

  it('records only types, or nothing, when asked', () => {
    const params = { day: '2026-11-24', count: 3, token: 'x', tags: ['a'] };
    const base = { maxLength: 1024, secretPaths: [] };
    expect(redactParams(params, { ...base, recording: 'types' })).toEqual({
      day: 'string',
      count: 'number',
      token: '[REDACTED]',
      tags: 'array',
    });
    expect(redactParams(params, { ...base, recording: 'none' })).toBeUndefined();
  });
});

describe('TRACEPARENT', () => {
  it('makes a valid W3C traceparent the remote parent, sampled or not, and refuses malformed ones', () => {
    const parentOf = (value: string) => trace.getSpanContext(contextFromTraceparent(value)!);
    expect(parentOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(parentOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.traceFlags).toBe(
      TraceFlags.NONE,
    );
    for (const bad of [
      '',
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]) {
      expect(contextFromTraceparent(bad), bad).toBeUndefined();
    }
  });
});

describe('task options', () => {
  it('name the option and the bad value', () => {
    expect(() => resolveTaskOptions('load', { retries: -1 })).toThrow(
      "task 'load': retries must be a non-negative integer, got -1",
    );
    expect(() => resolveTaskOptions('load', { retryDelay: '3 parsecs' })).toThrow(
      /retryDelay must be a duration.*'3 parsecs'/,
    );
    expect(() => resolveTaskOptions('load', { concurrency: 0 })).toThrow(
      'concurrency must be a positive integer, got 0',
    );
    expect(() => resolveTaskOptions('load', { timeout: '0s' })).toThrow('timeout must be longer than 0');
  });
});

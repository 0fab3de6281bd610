import { describe, expect, expectTypeOf, it } from 'vitest';
import { task } from '../../src/index.ts';

// Checked by the type checker (`npm run typecheck`, part of CI); the calls also run.
describe('the type of a wrapped function', () => {
  it('keeps a parameter typed by its default value, and the result', async () => {
    const fetchDay = task('fetch-day', async (day: string, limit = 10) => `${day}:${limit}`);
    expectTypeOf(fetchDay).parameters.toEqualTypeOf<[day: string, limit?: number]>();
    expectTypeOf(fetchDay).returns.toEqualTypeOf<Promise<string>>();
    expect(await fetchDay('2026-11-24')).toBe('2026-11-24:10');
  });

  it('keeps optional and rest parameters, and unwraps a returned promise once', async () => {
    const sum = task('sum', (first: number, ...rest: number[]) =>
      Promise.resolve(rest.reduce((a, b) => a + b, first)),
    );
    expectTypeOf(sum).parameters.toEqualTypeOf<[first: number, ...rest: number[]]>();
    expectTypeOf(sum).returns.toEqualTypeOf<Promise<number>>();
    expect(await sum(1, 2, 3)).toBe(6);
  });
});

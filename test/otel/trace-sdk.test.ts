import * as sdk from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { samplerFromEnv } from '../../src/otel/trace-sdk.ts';

// The 3.x line leaves the environment to its callers; the 2.x classes are the same, so they stand in here.
describe('the sampler of the 3.x SDK line, from OTEL_TRACES_SAMPLER', () => {
  it('is parent-based always-on by default, as the specification says', () => {
    expect(samplerFromEnv(sdk, {}).toString()).toBe(
      new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }).toString(),
    );
  });

  it('follows the variable and its ratio argument', () => {
    expect(samplerFromEnv(sdk, { OTEL_TRACES_SAMPLER: 'always_off' })).toBeInstanceOf(sdk.AlwaysOffSampler);
    const ratio = samplerFromEnv(sdk, {
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(ratio.toString()).toBe('TraceIdRatioBased{0.25}');
  });

  it('takes a ratio out of range as 1', () => {
    const ratio = samplerFromEnv(sdk, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' });
    expect(ratio.toString()).toBe('TraceIdRatioBased{1}');
  });
});

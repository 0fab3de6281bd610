import type { Resource } from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import { importPeer, isModuleNotFound } from './peer.ts';

type Sdk = typeof SdkTrace;

export interface TracerProviderOptions {
  readonly resource: Resource;
  readonly spanProcessors: SdkTrace.SpanProcessor[];
  /**
   * False when traces are not exported: spans are then sampled out (never recorded) but keep valid ids,
   * so a run still has a trace id for its summary and its alerts' links, and flowtel's runtime takes its
   * untraced path instead of building spans that no processor would export.
   */
  readonly record: boolean;
}

/** The tracing pieces flowtel's own set-up builds, from whichever SDK line is installed. */
export interface TraceSdk {
  readonly BatchSpanProcessor: Sdk['BatchSpanProcessor'];
  createTracerProvider(options: TracerProviderOptions): SdkTrace.TracerProvider;
}

/** A variable, so that the 2.x-only package is optional to the type checker too. */
const SDK_TRACE_BASE = '@opentelemetry/sdk-trace-base';

/**
 * `@opentelemetry/sdk-trace` exists on both lines (2.12+ and 3.x). On 2.x, `sdk-trace-base`'s
 * `BasicTracerProvider` is its `TracerProvider` configured from the environment (sampler, span limits),
 * as the specification asks; 3.x has no `sdk-trace-base` and leaves the environment to its callers, so
 * flowtel reads `OTEL_TRACES_SAMPLER`/`_ARG` and the span limits itself, as 2.x does.
 */
export async function loadTraceSdk(env: NodeJS.ProcessEnv = process.env): Promise<TraceSdk> {
  const sdk = await importPeer('@opentelemetry/sdk-trace', () => import('@opentelemetry/sdk-trace'));
  const base = await import(SDK_TRACE_BASE).catch((error: unknown) => {
    if (isModuleNotFound(error)) return undefined;
    throw error;
  });
  const Basic = (base as { BasicTracerProvider?: Sdk['TracerProvider'] } | undefined)?.BasicTracerProvider;
  return {
    BatchSpanProcessor: sdk.BatchSpanProcessor,
    createTracerProvider: ({ record, ...options }) => {
      const unrecorded = record ? {} : { sampler: new sdk.AlwaysOffSampler() };
      return Basic
        ? new Basic({ ...options, ...unrecorded })
        : new sdk.TracerProvider({
            ...options,
            sampler: samplerFromEnv(sdk, env),
            spanLimits: limitsFromEnv(env),
            ...unrecorded,
          });
    },
  };
}

/** `OTEL_TRACES_SAMPLER` as the specification defines it; `parentbased_always_on` by default. */
export function samplerFromEnv(sdk: Sdk, env: NodeJS.ProcessEnv): SdkTrace.Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  const ratio = () => new sdk.TraceIdRatioBasedSampler(ratioFromEnv(env));
  const parentBased = (root: SdkTrace.Sampler) => new sdk.ParentBasedSampler({ root });
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return parentBased(new sdk.AlwaysOffSampler());
    case 'parentbased_traceidratio':
      return parentBased(ratio());
    default:
      return parentBased(new sdk.AlwaysOnSampler());
  }
}

/** `OTEL_TRACES_SAMPLER_ARG`, a probability; 1 when absent or out of range, as the 2.x SDK does. */
function ratioFromEnv(env: NodeJS.ProcessEnv): number {
  const value = Number(env.OTEL_TRACES_SAMPLER_ARG);
  return env.OTEL_TRACES_SAMPLER_ARG?.trim() && value >= 0 && value <= 1 ? value : 1;
}

function limitsFromEnv(env: NodeJS.ProcessEnv): SdkTrace.SpanLimits {
  const limit = (name: string, general: string | undefined, fallback: number) => {
    const raw = env[`OTEL_SPAN_${name}`] ?? (general === undefined ? undefined : env[`OTEL_${general}`]);
    const value = Number(raw);
    return raw?.trim() && Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return {
    attributeValueLengthLimit: limit(
      'ATTRIBUTE_VALUE_LENGTH_LIMIT',
      'ATTRIBUTE_VALUE_LENGTH_LIMIT',
      Infinity,
    ),
    attributeCountLimit: limit('ATTRIBUTE_COUNT_LIMIT', 'ATTRIBUTE_COUNT_LIMIT', 128),
    linkCountLimit: limit('LINK_COUNT_LIMIT', undefined, 128),
    eventCountLimit: limit('EVENT_COUNT_LIMIT', undefined, 128),
    attributePerEventCountLimit: limit('ATTRIBUTE_PER_EVENT_COUNT_LIMIT', undefined, 128),
    attributePerLinkCountLimit: limit('ATTRIBUTE_PER_LINK_COUNT_LIMIT', undefined, 128),
  };
}

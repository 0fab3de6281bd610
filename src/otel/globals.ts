import { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';

type Api = typeof api;

/** Where `@opentelemetry/api` 1.x keeps its global providers, whichever copy registered them. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
/** Where `@opentelemetry/api-logs` keeps its global logger provider (sdk-logs 0.2xx registers there). */
const API_LOGS_GLOBAL = Symbol.for('io.opentelemetry.js.api.logs');

export type Part = 'trace' | 'context' | 'propagation' | 'metrics' | 'logs';

/** Which global providers are registered already: by the user's own SDK set-up, not by flowtel. */
export function registeredParts(
  globals: Record<symbol, unknown> = globalThis as Record<symbol, unknown>,
): ReadonlySet<Part> {
  const registry = (globals[API_GLOBAL] ?? {}) as Partial<Record<Part, unknown>>;
  const parts = new Set<Part>();
  for (const part of ['trace', 'context', 'propagation', 'metrics', 'logs'] as const) {
    if (registry[part] !== undefined) parts.add(part);
  }
  if (globals[API_LOGS_GLOBAL] !== undefined) parts.add('logs');
  return parts;
}

/**
 * The CommonJS copy of `@opentelemetry/api` when it is another module instance than the one flowtel
 * imports. API 1.10 ships separate ESM and CommonJS builds: both share the global registry, but each
 * has its own proxy tracer provider, and a tracer taken from one copy before the SDK is registered
 * follows only what is registered through that copy. Undefined with API 1.9 (one build for both).
 */
export function commonJsCopy(): Api | undefined {
  try {
    const cjs = createRequire(import.meta.url)('@opentelemetry/api') as Api;
    return cjs.trace === api.trace ? undefined : cjs;
  } catch {
    return undefined;
  }
}

/**
 * Registers `provider` as the global tracer provider through flowtel's copy of the API (the one user
 * code of the same module system imports), and hands it to the other copy's proxy too, so tracers taken
 * at import time from either copy (a module-level `trace.getTracer()`, an instrumentation) record.
 */
export function registerTracerProvider(provider: api.TracerProvider): void {
  const other = commonJsCopy();
  // Before registering: afterwards the other copy answers with the global, ours.
  const otherProxy = other?.trace.getTracerProvider();
  api.trace.setGlobalTracerProvider(provider);
  if (other && otherProxy instanceof other.ProxyTracerProvider) otherProxy.setDelegate(provider);
}

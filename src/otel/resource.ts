import { randomUUID } from 'node:crypto';
import type { Resource } from '@opentelemetry/resources';
import { importPeer } from './peer.ts';

/** `service.name` when neither `OTEL_SERVICE_NAME` nor the caller names the service. */
export const DEFAULT_SERVICE_NAME = 'flowtel';

/**
 * Resource attributes never exported, wherever they come from: a command line can hold
 * `--param apiToken=…`, and so can the paths and arguments next to it.
 */
const FORBIDDEN = /^process\.(command|command_args|command_line|executable\.path)$/;

export interface ResourceOptions {
  serviceName?: string;
  attributes?: Record<string, string>;
}

/**
 * The resource every signal carries. Detectors are listed one by one on purpose: the SDK's default set
 * includes the process detector, which exports the command line. Order of precedence, lowest first:
 * the SDK's `telemetry.sdk.*`, flowtel's defaults, the caller's options, then `OTEL_RESOURCE_ATTRIBUTES`
 * and `OTEL_SERVICE_NAME` (the environment wins, as the specification says).
 */
export async function buildResource(options: ResourceOptions): Promise<Resource> {
  const { defaultResource, detectResources, envDetector, hostDetector, osDetector, resourceFromAttributes } =
    await importPeer('@opentelemetry/resources', () => import('@opentelemetry/resources'));
  const ours = resourceFromAttributes({
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
    'telemetry.distro.name': 'flowtel',
    'service.instance.id': randomUUID(),
    ...options.attributes,
    // After the caller's attributes: a `service.name` among them must not undo the explicit option.
    'service.name': options.serviceName || options.attributes?.['service.name'] || DEFAULT_SERVICE_NAME,
  });
  const detected = detectResources({ detectors: [hostDetector, osDetector, envDetector] });
  const merged = defaultResource().merge(ours).merge(detected);
  // host.id is read from a file: wait for it, so no export waits and the queue count stays exact.
  await merged.waitForAsyncAttributes?.();
  const kept = Object.entries(merged.attributes).filter(
    ([key, value]) => value !== undefined && !FORBIDDEN.test(key),
  );
  return resourceFromAttributes(Object.fromEntries(kept));
}

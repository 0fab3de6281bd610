/**
 * `flowtel/otel`: sets up the OpenTelemetry SDK for a process that runs flows (the CLI and `serve` use
 * it) and shuts it down with a deadline. Importing this module loads no SDK package: `setupTelemetry()`
 * loads them when it is called.
 *
 *   const telemetry = await setupTelemetry({ serviceName: 'nightly-orders' });
 *   try { await nightlyOrders.run(params); } finally { await telemetry.shutdown(); }
 */
export { installSdk, MissingPeerError } from './peer.ts';
export { DEFAULT_SERVICE_NAME } from './resource.ts';
export {
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  type ShutdownReport,
  setupTelemetry,
  shutdownTelemetry,
  type TelemetryHandle,
  type TelemetryOptions,
} from './setup.ts';

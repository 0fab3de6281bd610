/** OTLP ingest: spans and log records from any process become transition records and heartbeats. */
export { createIngest } from './ingest.ts';
export { ingestDefaults } from './limits.ts';
export type {
  Heartbeat,
  Ingest,
  IngestLimits,
  IngestOptions,
  IngestResult,
  IngestStats,
  ItemRejection,
  RejectedSignal,
  RunLogRecord,
} from './types.ts';

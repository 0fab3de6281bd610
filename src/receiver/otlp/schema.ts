/**
 * The OTLP protobuf schema, parsed by protobufjs from the `.proto` files in `proto/` the first time
 * something needs it (a JSON-only receiver never pays for it), then kept for the process.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';

const COLLECTOR = 'opentelemetry.proto.collector';

/** Fully qualified request and response message names, per signal. */
export const MESSAGES: Readonly<Record<OtlpSignal, { request: string; response: string }>> = {
  traces: {
    request: `${COLLECTOR}.trace.v1.ExportTraceServiceRequest`,
    response: `${COLLECTOR}.trace.v1.ExportTraceServiceResponse`,
  },
  logs: {
    request: `${COLLECTOR}.logs.v1.ExportLogsServiceRequest`,
    response: `${COLLECTOR}.logs.v1.ExportLogsServiceResponse`,
  },
  metrics: {
    request: `${COLLECTOR}.metrics.v1.ExportMetricsServiceRequest`,
    response: `${COLLECTOR}.metrics.v1.ExportMetricsServiceResponse`,
  },
};

export const STATUS_MESSAGE = 'google.rpc.Status';

const ENTRY_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'google/rpc/status.proto',
];

let root: protobuf.Root | undefined;

export function otlpSchema(): protobuf.Root {
  root ??= loadSchema(protoDirectory());
  return root;
}

export function messageType(fullName: string): protobuf.Type {
  return otlpSchema().lookupType(fullName);
}

/** An enum's value names → numbers, for JSON senders that spell enums by name. */
export function enumValues(fullName: string): Readonly<Record<string, number>> {
  return otlpSchema().lookupEnum(fullName).values;
}

function loadSchema(directory: string): protobuf.Root {
  const schema = new protobuf.Root();
  // Entry files and imports are named from the proto root ("opentelemetry/proto/common/v1/common.proto"),
  // as upstream writes them; google/protobuf/*.proto come bundled with protobufjs and never get here.
  schema.resolvePath = (_origin, target) => join(directory, target);
  schema.loadSync(ENTRY_FILES);
  schema.resolveAll();
  return schema;
}

/**
 * `vendor/opentelemetry-proto` under the package root. The root is found by walking up from this
 * module, which works both from source (`src/receiver/otlp/`) and from a build (`dist/...`), since
 * the package ships `vendor/` beside `dist`.
 */
export function protoDirectory(from: string = fileURLToPath(import.meta.url)): string {
  let directory = dirname(from);
  for (;;) {
    if (existsSync(join(directory, 'package.json'))) return join(directory, 'vendor', 'opentelemetry-proto');
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`cannot find the flowtel package root above ${from}`);
    directory = parent;
  }
}

/**
 * One receiver per OTLP encoding, so a test can wire the same SDK to a protobuf exporter and a
 * JSON exporter at once and compare what each side decoded from identical telemetry.
 */
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

export interface ReceiverPair {
  protobuf: OtlpReceiver;
  json: OtlpReceiver;
  close(): Promise<void>;
}

export async function startReceiverPair(): Promise<ReceiverPair> {
  const [protobuf, json] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
  return {
    protobuf,
    json,
    close: async () => {
      await Promise.all([protobuf.close(), json.close()]);
    },
  };
}

/** The content types each receiver of the pair actually got, to prove the encodings differ. */
export function contentTypes(receiver: OtlpReceiver): string[] {
  return [...new Set(receiver.requests.map((request) => request.contentType))];
}

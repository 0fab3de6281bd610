/**
 * Why a request body could not be decoded. The HTTP handler maps each reason to a status code:
 * `unsupported-media-type` → 415, `too-large` → 413, everything else → 400.
 */
export type OtlpDecodeProblem =
  /** The Content-Type or Content-Encoding is not one OTLP/HTTP defines. */
  | 'unsupported-media-type'
  /** The body declared `Content-Encoding: gzip` but is not a valid gzip stream. */
  | 'bad-compression'
  /** The body (after decompression) exceeds the configured limit. */
  | 'too-large'
  /** The bytes are not a valid protobuf message or JSON document of the expected type. */
  | 'malformed'
  /** The message parsed but a field holds a value OTLP does not allow (e.g. a 5-byte trace id). */
  | 'invalid-field';

/**
 * Thrown by `decodeTraces`/`decodeLogs`/`decodeMetrics` when a request body cannot be decoded.
 * The message names the problem (and the field path, when one is to blame) but never repeats
 * more than a few characters of the input, so it is safe to return to the sender and to log.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  readonly problem: OtlpDecodeProblem;

  constructor(problem: OtlpDecodeProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.problem = problem;
  }
}

/** A short, printable preview of untrusted text for error messages (at most `max` characters). */
export function preview(text: string, max = 24): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > max ? `${JSON.stringify(printable.slice(0, max))}…` : JSON.stringify(printable);
}

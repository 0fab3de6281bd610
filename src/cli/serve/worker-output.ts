import { processSecrets } from '../../secrets.ts';

/**
 * The last lines a child process wrote to one of its streams, kept within `maxChars` however much it
 * writes, and read back with the secrets this process knows redacted: a child's output is the user's
 * code's, which may print anything.
 */
export class OutputTail {
  #text = '';
  readonly #maxChars: number;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  push(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > this.#maxChars) this.#text = this.#text.slice(-this.#maxChars);
  }

  /** The last `count` non-empty lines, redacted. */
  lines(count: number): string {
    const lines = this.#text.split('\n').filter((line) => line.trim() !== '');
    return processSecrets().redact(lines.slice(-count).join('\n'));
  }

  /** Everything kept, unredacted: for the parser of a child's document, never for a message. */
  raw(): string {
    return this.#text;
  }
}

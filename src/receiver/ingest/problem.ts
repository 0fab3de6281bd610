import type { ItemRejection } from './types.ts';

/** Why one item cannot be ingested; caught per item, so the rest of its request is still accepted. */
export class IngestProblem extends Error {
  override readonly name = 'IngestProblem';

  constructor(
    readonly reason: ItemRejection,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Caps the distinct label sets across every series. Flow, task, rule and channel names come from the
 * user's code, so they are bounded there, unless a name is built per run (a run id in a flow name):
 * then, past the cap, updates that would make a new label set are refused and counted instead, and
 * memory stays bounded. Label sets already admitted keep updating.
 */
export class SeriesBudget {
  readonly #admitted = new Set<string>();

  constructor(
    readonly maxSeries: number,
    private readonly onDropped: () => void,
  ) {
    if (!Number.isInteger(maxSeries) || maxSeries < 1) {
      throw new RangeError(`maxSeries must be a positive integer, got ${maxSeries}`);
    }
  }

  /** Whether `series` may be updated with these label values (in its label order). */
  admit(series: string, values: readonly string[]): boolean {
    if (values.length === 0) return true;
    // NUL cannot be typed in a flow name by accident; a collision would only share one budget slot.
    const key = `${series}\u0000${values.join('\u0000')}`;
    if (this.#admitted.has(key)) return true;
    if (this.#admitted.size >= this.maxSeries) {
      this.onDropped();
      return false;
    }
    this.#admitted.add(key);
    return true;
  }
}

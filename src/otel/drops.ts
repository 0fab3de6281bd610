/**
 * Spans that were not exported, by reason. Counted as they happen (for the metric) and reported once,
 * in one line, at shutdown: a broken backend must not print a line per span, or per batch.
 */
export class DropLedger {
  private readonly reasons = new Map<string, number>();
  private count = 0;

  constructor(private readonly onDrop: (count: number) => void = () => {}) {}

  get total(): number {
    return this.count;
  }

  add(count: number, reason: string): void {
    if (count <= 0) return;
    this.count += count;
    // Bounded: failure messages vary a little (ports, timeouts), but not without end.
    if (this.reasons.size < 32 || this.reasons.has(reason)) {
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + count);
    }
    this.onDrop(count);
  }

  /** `flowtel: 1200 spans were dropped (1100 export failed: …; 100 still queued at …)`, or undefined. */
  summary(): string | undefined {
    if (this.count === 0) return undefined;
    const top = [...this.reasons].sort((a, b) => b[1] - a[1]);
    const shown = top.slice(0, 3).map(([reason, n]) => `${n} ${reason}`);
    if (top.length > 3) shown.push('…');
    const noun = this.count === 1 ? 'span was' : 'spans were';
    return `flowtel: ${this.count} ${noun} dropped (${shown.join('; ')})`;
  }
}

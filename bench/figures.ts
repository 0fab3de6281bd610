import type { Profile } from './profile.ts';

export type Comparison = '<' | '<=' | '>=' | '=';

export interface Target {
  readonly op: Comparison;
  readonly value: number;
}

/** One measured figure of a case, as BENCHMARKS.md shows it. */
export interface Figure {
  readonly label: string;
  /** Undefined when the figure could not be measured (then `note` says why). */
  readonly value: number | undefined;
  readonly unit: string;
  readonly target?: Target;
  /** The same-run baseline it is compared with, and the ratio: e.g. "flowtel 6.1 µs, hand-written 5.8 µs". */
  readonly against?: string;
  readonly note?: string;
  /** A CPU profile of the flowtel side, taken when the target was missed. */
  profile?: Profile;
}

export interface CaseResult {
  readonly title: string;
  /** Exactly what runs, on each side, so the figures can be judged. */
  readonly method: string;
  readonly figures: Figure[];
}

/** Whether the figure meets its target; undefined when it has none or was not measured. */
export function met(figure: Figure): boolean | undefined {
  const { value, target } = figure;
  if (target === undefined || value === undefined || Number.isNaN(value)) return undefined;
  switch (target.op) {
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '=':
      return value === target.value;
  }
}

export const missed = (figure: Figure): boolean => met(figure) === false;

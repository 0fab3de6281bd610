import { cellOf, WORST_FIRST } from '../../src/history/task-cells.ts';
import type { StateName, StateRef, StateType } from './api/types.ts';

/** Icon of each state: shown next to its name (never colour alone), and first in document.title. */
export const STATE_ICON: Record<StateName, string> = {
  Scheduled: '◷',
  Late: '◔',
  AwaitingRetry: '↺',
  Pending: '◌',
  Running: '▶',
  Retrying: '↻',
  Completed: '✓',
  Failed: '✗',
  TimedOut: '⌛',
  Cancelled: '⊘',
  Crashed: '‼',
};

/** Worst first: what the title and the favicon show when a page holds several states. */
const WORST: readonly StateName[] = [
  'Crashed',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Retrying',
  'Running',
  'Late',
  'AwaitingRetry',
  'Pending',
  'Scheduled',
  'Completed',
];

export function worstState(names: Iterable<StateName>): StateName | null {
  let best = Number.POSITIVE_INFINITY;
  for (const name of names) best = Math.min(best, WORST.indexOf(name));
  return Number.isFinite(best) ? WORST[best]! : null;
}

export const STATE_TYPES: readonly StateType[] = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
];
export const STATE_NAMES: readonly StateName[] = [...WORST].reverse();

/** The state a state type stands for, where a chart or a filter has only the type. */
export const TYPE_NAME: Record<StateType, StateName> = {
  SCHEDULED: 'Scheduled',
  PENDING: 'Pending',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  CRASHED: 'Crashed',
};

export function inFlight(state: StateRef): boolean {
  return state.type === 'SCHEDULED' || state.type === 'PENDING' || state.type === 'RUNNING';
}

export function failed(state: StateRef): boolean {
  return state.type === 'FAILED' || state.type === 'CRASHED';
}

/** Grid cell characters, worst first (the server's order). */
export const CELL_WORST = WORST_FIRST;
export const CELL_LABEL: Record<string, string> = {
  '.': 'no task run',
  s: 'Scheduled',
  p: 'Pending',
  r: 'Running',
  R: 'Retrying',
  c: 'Completed',
  C: 'Completed after retries',
  k: 'Cancelled',
  f: 'Failed',
  t: 'TimedOut',
  x: 'Crashed',
};
export const CELL_ICON: Record<string, string> = {
  '.': '',
  s: '◷',
  p: '◌',
  r: '▶',
  R: '↻',
  c: '',
  C: '✓',
  k: '⊘',
  f: '✗',
  t: '⌛',
  x: '‼',
};

/** The cell character of one task run's state, as the server collapses it. */
export function cellChar(state: StateRef, attempts: number): string {
  return cellOf(state.name, attempts);
}

export function worstCell(chars: Iterable<string>): string {
  let best = CELL_WORST.length - 1;
  for (const c of chars) {
    const i = CELL_WORST.indexOf(c);
    if (i >= 0 && i < best) best = i;
  }
  return CELL_WORST[best]!;
}

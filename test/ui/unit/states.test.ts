import { describe, expect, it } from 'vitest';
import { cellChar, STATE_NAMES, worstCell, worstState } from '../../../ui/src/states.ts';

/** The state a page (its title) and a grid cell show when several are on it: the worst. */

describe('worstState', () => {
  it('puts a crash before a failure, a failure before a run in progress, and success last', () => {
    expect(worstState(['Completed', 'Running', 'Failed'])).toBe('Failed');
    expect(worstState(['Failed', 'Crashed'])).toBe('Crashed');
    expect(worstState(['Completed', 'Pending'])).toBe('Pending');
    expect(worstState(['Completed'])).toBe('Completed');
  });

  it('has no worst state for a page without any', () => {
    expect(worstState([])).toBeNull();
  });

  it('lists every state name once, best first', () => {
    expect(new Set(STATE_NAMES).size).toBe(11);
    expect(STATE_NAMES[0]).toBe('Completed');
    expect(STATE_NAMES.at(-1)).toBe('Crashed');
  });
});

describe('grid cells', () => {
  it('mark a task run that needed retries apart from a first-attempt one', () => {
    expect(cellChar({ type: 'COMPLETED', name: 'Completed' }, 1)).toBe('c');
    expect(cellChar({ type: 'COMPLETED', name: 'Completed' }, 3)).toBe('C');
    expect(cellChar({ type: 'RUNNING', name: 'Running' }, 2)).toBe('R');
    expect(cellChar({ type: 'SCHEDULED', name: 'Late' }, 1)).toBe('s');
    expect(cellChar({ type: 'FAILED', name: 'TimedOut' }, 1)).toBe('t');
  });

  it('show the worst task run of a fan-out group, in the contract order x f t k R r p s C c .', () => {
    const order = 'xftkRrpsCc.';
    for (let i = 0; i < order.length - 1; i++) {
      expect(worstCell([order[i + 1]!, order[i]!])).toBe(order[i]);
    }
    expect(worstCell(['c', 'c', 'f', 'r'])).toBe('f');
    expect(worstCell([])).toBe('.');
  });
});

/**
 * Flows and tasks carry a `Symbol.for` brand, so a CLI and the user's project can load different copies
 * of flowtel and still recognise each other's flows.
 */
export const FLOW_BRAND = Symbol.for('flowtel.flow.v1');
export const TASK_BRAND = Symbol.for('flowtel.task.v1');

export function isBranded(value: unknown, brand: symbol): boolean {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && brand in value;
}

/** True for a flow made by `flow()` in any copy of flowtel. */
export function isFlow(value: unknown): boolean {
  return isBranded(value, FLOW_BRAND);
}

/** True for a task made by `task()` in any copy of flowtel. */
export function isTask(value: unknown): boolean {
  return isBranded(value, TASK_BRAND);
}

import type { Attributes } from '@opentelemetry/api';
import { Attr } from '../telemetry/keys.ts';
import { Semaphore } from './semaphore.ts';
import { type ResolvedTaskOptions, resolveTaskOptions, type TaskOptions } from './task-options.ts';

/**
 * Everything about a task that is fixed when it is defined, computed once so each run only reads it:
 * resolved options, its concurrency semaphore, and the metric attribute sets it records with.
 */
export class TaskDefinition {
  readonly options: ResolvedTaskOptions;
  readonly semaphore: Semaphore | undefined;
  /** Tasks that may retry get a span per attempt. */
  readonly mayRetry: boolean;
  private readonly attributeCache = new Map<string, Attributes>();
  private lastFlow: string | undefined;
  private lastSuccess: Attributes | undefined;

  constructor(
    readonly name: string,
    readonly fn: (...args: unknown[]) => unknown,
    options: TaskOptions,
  ) {
    this.options = resolveTaskOptions(name, options);
    this.semaphore = this.options.concurrency ? new Semaphore(this.options.concurrency) : undefined;
    this.mayRetry = this.options.policy.retries > 0;
  }

  /** Metric attributes for this task in a flow, with a result or without; built once per combination. */
  metricAttributes(flow: string | undefined, result?: string): Attributes {
    // A task mostly runs in one flow and mostly succeeds: answer that case without building a key.
    if (result === 'success' && flow === this.lastFlow && this.lastSuccess) return this.lastSuccess;
    const key = `${flow ?? ''}\u0000${result ?? ''}`;
    let attributes = this.attributeCache.get(key);
    if (!attributes) {
      attributes = { [Attr.TASK_NAME]: this.name };
      if (flow !== undefined) attributes[Attr.PIPELINE_NAME] = flow;
      if (result !== undefined) attributes[Attr.TASK_RUN_RESULT] = result;
      this.attributeCache.set(key, attributes);
    }
    if (result === 'success') {
      this.lastFlow = flow;
      this.lastSuccess = attributes;
    }
    return attributes;
  }
}

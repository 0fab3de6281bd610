import { TimeoutError } from '../errors.ts';
import type { AbortFanout } from './abort-fanout.ts';

/**
 * The time limit of one attempt, and the signal its code sees: aborted when the limit passes or when the
 * flow run aborts. Linked to the flow run through its fan-out, released when the attempt settles, and not
 * with `AbortSignal.any`: on Node 20 every signal that makes stays reachable from its long-lived source,
 * about 2 KB per attempt for as long as the flow run lasts.
 */
export class AttemptTimeout {
  private readonly controller = new AbortController();
  private readonly unlink: () => void;
  private timer: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    flowAborts: AbortFanout,
    private readonly timeoutMs: number,
    private readonly taskName: string,
  ) {
    const flowSignal = flowAborts.signal;
    if (flowSignal.aborted) this.controller.abort(flowSignal.reason);
    this.unlink = flowAborts.listen(() => this.controller.abort(flowSignal.reason));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the attempt ran out of time (rather than being stopped with its flow run). */
  get timedOut(): boolean {
    return this.expired;
  }

  /** Settles with `work`, or rejects with a `TimeoutError` when the limit passes first. */
  race(work: PromiseLike<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.timer = setTimeout(() => {
        const reason = new TimeoutError(`task '${this.taskName}' attempt`, this.timeoutMs);
        this.expired = true;
        this.controller.abort(reason);
        this.dispose();
        reject(reason);
      }, this.timeoutMs);
      work.then(
        (value) => {
          this.dispose();
          resolve(value);
        },
        (error: unknown) => {
          this.dispose();
          reject(error);
        },
      );
    });
  }

  /** Stops the timer and lets go of the flow run's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.unlink();
  }
}

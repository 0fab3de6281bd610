import type { Database } from './sqlite.ts';

/** How long a background commit waits for another process's lock: short, it runs on the event loop. */
export const COMMIT_BUSY_TIMEOUT_MS = 50;
/** Retries of a refused commit back off from the first to the last. */
const RETRY_FIRST_MS = 25;
const RETRY_MAX_MS = 2_000;

export interface CommitLoopOptions {
  readonly db: Database;
  /** The connection's own busy timeout, restored after each background commit. */
  readonly busyTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Stores everything pending in one transaction and forgets it; throws (keeping it) when refused. */
  readonly commit: () => void;
  readonly isEmpty: () => boolean;
  /** What is pending, for messages: `3 run(s) and 7 transition(s)`. */
  readonly describe: () => string;
  /** What losing it means to the user, said after "... are lost: ". */
  readonly lossMeans?: string;
}

/**
 * When writes that wait in memory are committed: on the next turn of the event loop after the first
 * one arrives (never inside the call that made it), with the short busy timeout, so a commit never
 * stalls the loop for long. A refused commit (the file locked by another process, a full disk) keeps
 * everything and is retried with backoff; it is reported once per episode, and what is left at `close`
 * is said, since it is lost with the process.
 */
export class CommitLoop {
  readonly #options: CommitLoopOptions;
  #scheduled: { readonly cancel: () => void } | undefined;
  #retryMs = RETRY_FIRST_MS;
  #lastError: string | undefined;
  #closed = false;

  constructor(options: CommitLoopOptions) {
    this.#options = options;
  }

  /** Why the last commit was refused, while commits are being refused. */
  get refusal(): string | undefined {
    return this.#lastError;
  }

  /** A commit on the next turn (or at the pending retry). */
  schedule(): void {
    if (this.#scheduled !== undefined || this.#closed) return;
    const immediate = setImmediate(() => this.#background());
    this.#scheduled = { cancel: () => clearImmediate(immediate) };
  }

  /** Commits now, retrying until `timeoutMs` has passed; true when nothing is left. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#cancelScheduled();
    for (let wait = RETRY_FIRST_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      if (this.tryCommit()) return true;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
    }
    this.#retryLater(); // the lock may still be released while the process goes on
    return false;
  }

  /** A last commit; says what could not be stored. True when everything was. */
  close(): boolean {
    this.#cancelScheduled();
    const stored = this.tryCommit();
    this.#closed = true;
    if (!stored) {
      this.#options.log(
        `flowtel: ${this.#options.describe()} could not be stored in flowtel.db (${this.#lastError ?? 'unknown error'}) and are lost${this.#options.lossMeans ? `: ${this.#options.lossMeans}` : ''}`,
      );
    }
    return stored;
  }

  /** One commit of everything pending; false (all kept) when the file refuses it. */
  tryCommit(): boolean {
    const { db, busyTimeoutMs, log, commit, isEmpty, describe } = this.#options;
    if (isEmpty()) return true;
    try {
      db.pragma(`busy_timeout = ${COMMIT_BUSY_TIMEOUT_MS}`);
      commit();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.#lastError === undefined) {
        log(`flowtel: could not store ${describe()} in flowtel.db (${reason}); kept in memory and retried`);
      }
      this.#lastError = reason;
      return false;
    } finally {
      if (db.open) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
    this.#lastError = undefined;
    this.#retryMs = RETRY_FIRST_MS;
    return true;
  }

  #background(): void {
    this.#scheduled = undefined;
    if (!this.tryCommit()) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#scheduled !== undefined || this.#closed) return;
    // Not kept alive for this: a process that exits without `flush`/`close` chose not to wait.
    const timer = setTimeout(() => this.#background(), this.#retryMs).unref();
    this.#scheduled = { cancel: () => clearTimeout(timer) };
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  #cancelScheduled(): void {
    this.#scheduled?.cancel();
    this.#scheduled = undefined;
  }
}

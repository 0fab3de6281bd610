import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterEach } from 'vitest';
import type { UiBrowser } from '../support/browser.ts';
import { tempDir } from '../support/cli.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';

/** What the UI's end-to-end tests share: a real serve with the fixture flows, and ways to read a page. */

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');
export const FLOWS = join(FIXTURES, 'flows');
export const RULES = join(FIXTURES, 'rules');
/**
 * A UI test's deadline: longer than playwright's 30 s wait for one element (test/support/browser.ts), so
 * that a missing element fails with playwright's message naming it, not with vitest's timeout.
 */
export const UI_TEST_MS = 90_000;
/** A trace link template, so that run pages have a link to check (nothing listens there). */
export const TRACE_URL = 'http://tempo.example/trace/{traceId}';

export interface UiServe extends ServeProcess {
  /** The folder of the slow flow's gates (UI_GATES). */
  readonly gates: string;
  /** The UI's address for `path` (serve answers the UI on its API port). */
  url(path: string): string;
  /** Starts a run of `flow` through the API, with the token when serve has one; its id. */
  runNow(flow: string, params?: Record<string, unknown>): Promise<string>;
  /** Waits until run `id` has ended in the history; its detail. */
  ended(id: string): Promise<RunDetail>;
  /** Waits until the slow run holding gate `name` is Running and waiting there. */
  waitingAt(name: string, id: string): Promise<void>;
  /** Lets the slow run holding gate `name` finish. */
  openGate(name: string): void;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answers
export type RunDetail = any;

/**
 * `flowtel serve --flows test/ui/fixtures/flows` on free ports, with FLOWTEL_TRACE_URL set, and the
 * given token (FLOWTEL_API_TOKEN) and extra variables.
 */
export async function startUiServe(
  options: { token?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<UiServe> {
  const gates = tempDir('flowtel-ui-gates-');
  const serve = await startServe(['--flows', FLOWS, ...(options.args ?? [])], {
    env: {
      UI_GATES: gates,
      FLOWTEL_TRACE_URL: TRACE_URL,
      // A run still in flight at the end (one a failed test never let go of) holds the stop no longer.
      FLOWTEL_SHUTDOWN_GRACE: '2s',
      ...(options.token === undefined ? {} : { FLOWTEL_API_TOKEN: options.token }),
      ...options.env,
    },
  });
  const detail = (id: string) => serve.api(`/api/v1/runs/${id}`);
  const openGate = (name: string) => writeFileSync(join(gates, name), '');
  const stop = serve.stop.bind(serve);
  return Object.assign(serve, {
    gates,
    /** Opens every gate a run still waits at (a test that failed early left it), then stops serve. */
    stop(signal?: NodeJS.Signals) {
      for (const file of readdirSync(gates)) {
        if (file.endsWith('.waiting')) openGate(file.slice(0, -'.waiting'.length));
      }
      return stop(signal);
    },
    url: (path: string) => `${serve.apiUrl}${path}`,
    async runNow(flow: string, params: Record<string, unknown> = {}) {
      const { status, body } = await serve.api(`/api/v1/flows/${flow}/runs`, {
        body: { params },
        ...(options.token === undefined ? {} : { token: options.token }),
      });
      if (status !== 201) throw new Error(`run-now of ${flow} answered ${status}: ${JSON.stringify(body)}`);
      return body.id as string;
    },
    ended: (id: string) =>
      until(
        `run ${id} to end in serve's history`,
        async () => {
          const { status, body } = await detail(id);
          return status === 200 && body.endedAt !== null ? body : undefined;
        },
        { timeoutMs: 60_000 },
      ),
    async waitingAt(name: string, id: string) {
      await until(
        `run ${id} Running at gate ${name}`,
        async () => {
          const { body } = await detail(id);
          return existsSync(join(gates, `${name}.waiting`)) && body.state?.name === 'Running'
            ? true
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
    },
    openGate,
  });
}

/** The page's live indicator once it says `text` (Live, Paused or Offline). */
export async function liveIndicatorSays(page: Page, text: 'Live' | 'Paused' | 'Offline'): Promise<Locator> {
  const indicator = page.locator('[data-testid=live]').filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) });
  await indicator.waitFor();
  return indicator;
}

/** The run ids of the rows `/runs` shows, in order. */
export async function runRowIds(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid=run-row]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id') ?? ''));
}

/** Waits until `/runs` shows exactly the rows `ids` (any order: the test asks which runs, not how sorted). */
export async function untilRowsAre(page: Page, ids: readonly string[]): Promise<void> {
  const want = [...ids].sort().join(',');
  let seen = '';
  try {
    await until('the rows', async () => {
      seen = (await runRowIds(page)).sort().join(',');
      return seen === want ? true : undefined;
    });
  } catch (error) {
    throw new Error(`/runs never showed the rows [${want}]; last seen [${seen}]`, { cause: error });
  }
}

/**
 * After a failed test, screenshots what its tabs show (`test-artifacts/ui/failed-<test>-<n>.png`) and
 * closes them, so the next test starts from no open tab.
 */
export function screenshotsOfFailures(browser: () => UiBrowser | undefined): void {
  afterEach(async (context) => {
    const open = browser();
    if (open === undefined) return;
    if (context.task.result?.state === 'fail') {
      await open.screenshotOpenPages(`failed-${context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
    await Promise.all(open.context.pages().map((page) => page.close()));
  });
}

/**
 * Opens the UI's `path` in `page`; fails at once, with serve's answer, when it is not the app (a 503
 * while the UI build is missing says to run `npm run build:ui`).
 */
export async function openUi(page: Page, serve: UiServe, path: string): Promise<void> {
  const response = await page.goto(serve.url(path));
  if (response?.status() !== 200) {
    const body = (await response?.text())?.slice(0, 300);
    throw new Error(`GET ${path} answered ${response?.status()} instead of the UI: ${body}`);
  }
}

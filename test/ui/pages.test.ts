import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser, VIEWPORT } from '../support/browser.ts';
import { until } from '../support/serve.ts';
import { HOSTILE_ERROR } from './fixtures/flows/fails.ts';
import {
  liveIndicatorSays,
  openUi,
  type RunDetail,
  screenshotsOfFailures,
  startUiServe,
  TRACE_URL,
  UI_TEST_MS,
  type UiServe,
  untilRowsAre,
} from './support.ts';

/** The run UI's pages, as a user sees them, over a real serve with one good and one failed run. */

let serve: UiServe;
let browser: UiBrowser;
let healthy: RunDetail;
let failed: RunDetail;
beforeAll(async () => {
  [serve, browser] = await Promise.all([startUiServe(), launchBrowser()]);
  const ids = await Promise.all([serve.runNow('ui-healthy'), serve.runNow('ui-fails')]);
  [healthy, failed] = await Promise.all(ids.map((id) => serve.ended(id)));
}, 120_000);
screenshotsOfFailures(() => browser);
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the fixture runs', () => {
  it('are recorded through the API: one Completed, one Failed in load-warehouse with the hostile error', () => {
    expect(healthy).toMatchObject({ flow: 'ui-healthy', state: { name: 'Completed' } });
    expect(healthy.traceUrl).toBe(TRACE_URL.replace('{traceId}', healthy.traceId));
    expect(failed).toMatchObject({
      flow: 'ui-fails',
      state: { name: 'Failed' },
      error: { type: 'Error', message: HOSTILE_ERROR },
    });
    expect(failed.taskRuns).toEqual([
      expect.objectContaining({ task: 'load-warehouse', state: expect.objectContaining({ name: 'Failed' }) }),
    ]);
  });
});

describe('every page', () => {
  it(
    'loads with its one h1, a live indicator and no console errors',
    async () => {
      const pages: Array<[path: string, h1: string, ready: string]> = [
        ['/', 'Now', '[data-testid=flow-card][data-flow=ui-fails]'],
        ['/runs', 'Runs', `[data-testid=run-row][data-run-id="${failed.id}"]`],
        [`/runs/${failed.id}`, 'ui-fails', '[data-testid=first-failure]'],
        ['/flows/ui-healthy', 'ui-healthy', '[data-testid=task-grid]'],
        ['/alerts', 'Alerts', 'main section h2'],
      ];
      for (const [path, title, ready] of pages) {
        const { page, errors } = await browser.newPage();
        await openUi(page, serve, path);
        await page.locator(ready).first().waitFor();
        await liveIndicatorSays(page, 'Live');
        expect(await page.locator('main h1').allTextContents(), path).toEqual([title]);
        await screenshot(
          page,
          `page${path === '/' ? '-now' : path.replaceAll('/', '-').replace(failed.id, 'failed')}`,
        );
        expect(errors(), path).toEqual([]);
        await page.close();
      }
    },
    3 * UI_TEST_MS,
  );
});

describe("a failed run's page", () => {
  it(
    'shows the failed task and its error in the first viewport, with a link to the trace',
    async () => {
      const { page, errors } = await browser.newPage();
      await openUi(page, serve, `/runs/${failed.id}`);
      const firstFailure = page.locator('[data-testid=first-failure]');
      await firstFailure.locator('[data-testid=failed-task]', { hasText: 'load-warehouse' }).waitFor();
      for (const testId of ['failed-task', 'error-message']) {
        const box = await firstFailure.locator(`[data-testid=${testId}]`).boundingBox();
        expect(box, testId).not.toBeNull();
        expect(box!.x, testId).toBeGreaterThanOrEqual(0);
        expect(box!.y, testId).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, testId).toBeLessThanOrEqual(VIEWPORT.width);
        expect(box!.y + box!.height, testId).toBeLessThanOrEqual(VIEWPORT.height);
      }
      const trace = page.locator('[data-testid=open-trace]').first();
      expect(await trace.getAttribute('data-trace-id')).toBe(failed.traceId);
      expect(await trace.getAttribute('href')).toBe(failed.traceUrl);
      expect(await trace.getAttribute('href')).toContain(failed.traceId);
      await page.locator('[data-testid=open-logs]').waitFor();
      // The line the failing task logged, received over OTLP, in the Logs section.
      const logs = page.locator('main section').filter({ has: page.locator('h2', { hasText: /^Logs$/ }) });
      await logs.getByText('warehouse answered 503').first().waitFor();
      await screenshot(page, 'run-failed-first-viewport');
      expect(errors()).toEqual([]);
      await page.close();
    },
    UI_TEST_MS,
  );

  it(
    'renders an error that contains <script> as text, and runs none of it',
    async () => {
      const { page, errors } = await browser.newPage();
      await openUi(page, serve, `/runs/${failed.id}`);
      const message = page.locator('[data-testid=first-failure] [data-testid=error-message]');
      await message.filter({ hasText: HOSTILE_ERROR }).waitFor({ state: 'visible' });
      // The tests compile without the DOM's types: what runs in the page is given as its source.
      expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
      expect(await page.locator('main script').count()).toBe(0);
      expect(await page.locator('[data-testid=error-message] script').count()).toBe(0);
      expect(errors()).toEqual([]);
      await page.close();
    },
    UI_TEST_MS,
  );
});

describe('the runs filters', () => {
  it(
    'round-trip through the URL: typed, reloaded, and restored by the back button',
    async () => {
      const { page, errors } = await browser.newPage();
      await openUi(page, serve, '/runs?flow=ui-healthy');
      await untilRowsAre(page, [healthy.id]);
      await untilFieldsShow(page, { flow: 'ui-healthy', state: '', q: '' });

      await setField(page, 'flow', 'ui-fails');
      await setField(page, 'state', 'Failed');
      await setField(page, 'q', 'warehouse');
      const filtered = await until('the filters in the URL', () => {
        const query = new URL(page.url()).searchParams;
        return query.get('flow') === 'ui-fails' &&
          query.get('state')?.toLowerCase() === 'failed' &&
          query.get('q') === 'warehouse'
          ? new URL(page.url())
          : undefined;
      });
      // The rows are the runs the API gives for the same filters.
      const same = new URLSearchParams(
        [...filtered.searchParams].filter(([name]) => (FILTERS as readonly string[]).includes(name)),
      );
      const expected = await serve.api(`/api/v1/runs?${same}`);
      expect(expected.status, JSON.stringify(expected.body)).toBe(200);
      expect(expected.body.runs.map((run: RunDetail) => run.id)).toEqual([failed.id]);
      await untilRowsAre(page, [failed.id]);

      await page.reload();
      expect(page.url()).toBe(filtered.href);
      await untilRowsAre(page, [failed.id]);
      await untilFieldsShow(page, { flow: 'ui-fails', state: 'failed', q: 'warehouse' });

      // Back through however many entries the typing pushed, to the first URL of this tab.
      for (let step = 0; new URL(page.url()).searchParams.get('flow') !== 'ui-healthy'; step++) {
        expect(step, `back never reached ?flow=ui-healthy (at ${page.url()})`).toBeLessThan(10);
        await page.goBack();
      }
      await untilRowsAre(page, [healthy.id]);
      await untilFieldsShow(page, { flow: 'ui-healthy', state: '', q: '' });
      await screenshot(page, 'runs-filtered-back');
      expect(errors()).toEqual([]);
      await page.close();
    },
    UI_TEST_MS,
  );
});

/** The form field `name` (an input or a select) on /runs. */
const field = (page: Page, name: string) => page.locator(`main [name=${name}]`).first();

/** The filters of /runs, each a form field and a query parameter of the same name. */
const FILTERS = ['flow', 'state', 'tag', 'q', 'since', 'until'] as const;

/** Waits until the fields show `values` (the state in any case: a select may hold FAILED or Failed). */
async function untilFieldsShow(page: Page, values: { flow: string; state: string; q: string }) {
  const want = JSON.stringify(values);
  let seen = '';
  try {
    await until('the fields', async () => {
      const [flow, state, q] = await Promise.all(
        (['flow', 'state', 'q'] as const).map((name) => field(page, name).inputValue()),
      );
      seen = JSON.stringify({ flow, state: state?.toLowerCase(), q });
      return seen === want ? true : undefined;
    });
  } catch (error) {
    throw new Error(`the filter fields never showed ${want}; last seen ${seen}`, { cause: error });
  }
}

/** Types into an input, or picks the option whose value or label is `value` (any case) in a select. */
async function setField(page: Page, name: string, value: string): Promise<void> {
  const target = field(page, name);
  if ((await target.evaluate((element) => element.tagName)) !== 'SELECT') return target.fill(value);
  const option = await target.evaluate(
    (select, wanted) =>
      Array.from(
        (select as unknown as { options: ArrayLike<{ value: string; label: string }> }).options,
      ).find(
        (candidate) =>
          candidate.value.toLowerCase() === wanted.toLowerCase() ||
          candidate.label.toLowerCase() === wanted.toLowerCase(),
      )?.value,
    value,
  );
  if (option === undefined) throw new Error(`the ${name} filter has no option ${value}`);
  await target.selectOption(option);
}

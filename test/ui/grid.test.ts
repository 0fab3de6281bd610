import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser } from '../support/browser.ts';
import { until } from '../support/serve.ts';
import { WIDE_TASKS } from './fixtures/flows/wide.ts';
import {
  openUi,
  type RunDetail,
  screenshotsOfFailures,
  startUiServe,
  UI_TEST_MS,
  type UiServe,
} from './support.ts';

/** The runs × tasks grid of a flow with 10,000 tasks: rendered, virtualized, scrollable to its end. */

/** Far fewer than the 10,000 cells of the one run: only what is on screen (and a margin) is in the DOM. */
const MAX_CELLS_IN_DOM = 5_000;
/** `step-00001` … `step-10000`, the fixture's task names. */
const STEP_NAMES = Array.from({ length: WIDE_TASKS }, (_, i) => `step-${String(i + 1).padStart(5, '0')}`);

let serve: UiServe;
let browser: UiBrowser;
let wide: RunDetail;
beforeAll(async () => {
  [serve, browser] = await Promise.all([startUiServe(), launchBrowser()]);
  wide = await serve.ended(await serve.runNow('ui-wide'));
}, 120_000);
screenshotsOfFailures(() => browser);
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the 10,000-task fixture run', () => {
  it('is recorded Completed through the API', () => {
    expect(wide).toMatchObject({ flow: 'ui-wide', state: { name: 'Completed' } });
    expect(wide.error).toBeUndefined();
  });
});

describe("a flow's task grid", () => {
  it(
    'has one column per task, keeps only the visible cells in the DOM, and scrolls to its last column',
    async () => {
      // The run's final record comes before its task spans (they follow in later OTLP batches, several
      // on the wire at once): the grid is complete once every task span is in.
      const grid = await until(
        'all 10,000 task columns of ui-wide in its grid',
        async () => {
          const answer = await serve.api('/api/v1/flows/ui-wide/grid');
          expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
          return answer.body.tasks.length === WIDE_TASKS && answer.body.runs[0]?.cells.length === WIDE_TASKS
            ? answer.body
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const tasks: string[] = grid.tasks;
      expect([...tasks].sort()).toEqual(STEP_NAMES);
      expect(grid.runs.map((run: RunDetail) => run.id)).toEqual([wide.id]);
      expect(grid.runs[0].cells).toBe('c'.repeat(WIDE_TASKS));
      // Columns follow the order the task spans arrived in, which concurrent exports may shuffle by batch.
      const [first, last] = [tasks[0]!, tasks[WIDE_TASKS - 1]!];

      const { page, errors } = await browser.newPage();
      await openUi(page, serve, '/flows/ui-wide');
      const cells = page.locator('[data-testid=task-grid] [role=gridcell]');
      await cells.first().waitFor();
      expect(await page.locator('main h1').textContent()).toBe('ui-wide');
      expect(await cells.count()).toBeLessThan(MAX_CELLS_IN_DOM);
      expect(await cells.first().getAttribute('data-state')).toBe('c');
      expect(await cells.first().getAttribute('title')).toBe(`${first} · Completed`);
      await screenshot(page, 'grid-start');

      await scrollGridToTheRight(page);
      await page.locator(`[data-testid=task-grid] [role=gridcell][title^="${last} "]`).first().waitFor();
      expect(await cells.count()).toBeLessThan(MAX_CELLS_IN_DOM);
      // Virtualized: the first columns left the DOM as the last ones came in.
      expect(await page.locator(`[data-testid=task-grid] [role=gridcell][title^="${first} "]`).count()).toBe(
        0,
      );
      await screenshot(page, 'grid-far-right');
      expect(errors()).toEqual([]);
    },
    UI_TEST_MS,
  );
});

/**
 * Scrolls whatever scrolls the grid sideways (the grid, an element inside it, or an ancestor) to its
 * right end, as a user dragging the scroll bar would; the scroll event is what the grid renders on.
 */
async function scrollGridToTheRight(page: Page): Promise<void> {
  const scrolled = await page.locator('[data-testid=task-grid]').evaluate((grid) => {
    const inside = Array.from(grid.querySelectorAll('*'));
    const around: Array<typeof grid> = [];
    for (let at = grid.parentElement; at !== null; at = at.parentElement) around.push(at);
    const scroller = [grid, ...inside, ...around].find(
      (element) => element.scrollWidth > element.clientWidth + 100,
    );
    if (scroller === undefined) return false;
    scroller.scrollLeft = scroller.scrollWidth;
    return true;
  });
  expect(scrolled, 'nothing around the grid scrolls sideways').toBe(true);
}

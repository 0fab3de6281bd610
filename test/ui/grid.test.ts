import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser } from '../support/browser.ts';
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
    'has one column per task, keeps only the visible cells in the DOM, and scrolls to step-09999',
    async () => {
      const grid = await serve.api('/api/v1/flows/ui-wide/grid');
      expect(grid.status, JSON.stringify(grid.body).slice(0, 300)).toBe(200);
      expect(grid.body.tasks).toHaveLength(WIDE_TASKS);
      expect(grid.body.tasks.slice(0, 2)).toEqual(['step-00001', 'step-00002']);
      expect(grid.body.runs.map((run: RunDetail) => run.id)).toEqual([wide.id]);
      expect(grid.body.runs[0].cells).toBe('c'.repeat(WIDE_TASKS));

      const { page, errors } = await browser.newPage();
      await openUi(page, serve, '/flows/ui-wide');
      const cells = page.locator('[data-testid=task-grid] [role=gridcell]');
      await cells.first().waitFor();
      expect(await page.locator('main h1').textContent()).toBe('ui-wide');
      expect(await cells.count()).toBeLessThan(MAX_CELLS_IN_DOM);
      expect(await cells.first().getAttribute('data-state')).toBe('c');
      expect(await cells.first().getAttribute('title')).toMatch(/^step-00001 · /);
      await screenshot(page, 'grid-start');

      await scrollGridToTheRight(page);
      await page.locator('[data-testid=task-grid] [role=gridcell][title^="step-0999"]').first().waitFor();
      expect(await cells.count()).toBeLessThan(MAX_CELLS_IN_DOM);
      // Virtualized: the first columns left the DOM as the last ones came in.
      expect(
        await page.locator('[data-testid=task-grid] [role=gridcell][title^="step-00001 "]').count(),
      ).toBe(0);
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

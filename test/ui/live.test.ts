import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser } from '../support/browser.ts';
import { until } from '../support/serve.ts';
import {
  liveIndicatorSays,
  openUi,
  screenshotsOfFailures,
  startUiServe,
  UI_TEST_MS,
  type UiServe,
} from './support.ts';

/** Pages that follow serve's event stream: a run seen going from Running to Completed without a reload. */

let serve: UiServe;
let browser: UiBrowser;
beforeAll(async () => {
  [serve, browser] = await Promise.all([startUiServe(), launchBrowser()]);
}, 120_000);
screenshotsOfFailures(() => browser);
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** A run of the slow flow, Running at its own gate `gate`; its id. */
async function slowRunAt(gate: string): Promise<string> {
  const id = await serve.runNow('ui-slow', { gate });
  await serve.waitingAt(gate, id);
  return id;
}

/** Marks the page's document, so a test can tell that it was never reloaded. */
const markDocument = (page: Page) => page.evaluate('window.__sameDocument = true');
const stillSameDocument = async (page: Page) => (await page.evaluate('window.__sameDocument')) === true;

describe('a run in progress', () => {
  it(
    'updates live on its page and on Now: Running, then Completed, without a reload',
    async () => {
      const id = await slowRunAt('live');
      const { page: runPage, errors: runErrors } = await browser.newPage();
      const { page: now, errors: nowErrors } = await browser.newPage();
      await openUi(runPage, serve, `/runs/${id}`);
      await openUi(now, serve, '/');
      await runPage.locator('main [data-testid=state][data-state=Running]').first().waitFor();
      const card = now.locator('[data-testid=flow-card][data-flow=ui-slow]');
      await card.waitFor();
      // This is the flow's first run to complete (this test comes first in the file): its card has no last
      // success yet, so the text changes only when the run's completion arrives.
      const lastSuccessBefore = await card.locator('[data-testid=last-success]').textContent();
      for (const page of [runPage, now]) {
        await liveIndicatorSays(page, 'Live');
        await markDocument(page);
      }
      await screenshot(runPage, 'live-run-running');

      serve.openGate('live');
      await runPage.locator('main [data-testid=state][data-state=Completed]').first().waitFor();
      // The run and its tasks: nothing on the page still says Running, but for the Transitions table,
      // the run's history, which rightly keeps the step where it was Running.
      const running = runPage.locator('main [data-testid=state][data-state=Running]');
      const runningNow = () =>
        running.evaluateAll(
          (badges) =>
            badges.filter(
              (badge) => badge.closest('section')?.querySelector('h2')?.textContent !== 'Transitions',
            ).length,
        );
      await until('no Running badge on the run page outside its transitions', async () =>
        (await runningNow()) === 0 ? true : undefined,
      );
      await until('the Now card to show the new last success', async () => {
        const text = await card.locator('[data-testid=last-success]').textContent();
        return text !== lastSuccessBefore ? true : undefined;
      });
      for (const page of [runPage, now]) {
        expect(await stillSameDocument(page)).toBe(true);
        await liveIndicatorSays(page, 'Live');
      }
      await screenshot(runPage, 'live-run-completed');
      await screenshot(now, 'live-now-completed');
      expect([...runErrors(), ...nowErrors()]).toEqual([]);
    },
    UI_TEST_MS,
  );
});

describe('the slow fixture flow', () => {
  it(
    'stays Running at its gate until the test opens it, then Completes',
    async () => {
      const id = await slowRunAt('api-only');
      expect((await serve.api(`/api/v1/runs/${id}`)).body.state.name).toBe('Running');
      serve.openGate('api-only');
      expect((await serve.ended(id)).state.name).toBe('Completed');
    },
    UI_TEST_MS,
  );
});

describe('a hidden tab', () => {
  it(
    'says Paused, and on coming back resumes from the last event id, losing nothing',
    async () => {
      const id = await slowRunAt('paused');
      const { page, errors } = await browser.newPage();
      const streams: Array<{ url: string; lastEventId: string | undefined }> = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname !== '/api/v1/events') return;
        const query = new URL(request.url()).searchParams.get('lastEventId') ?? undefined;
        streams.push({ url: request.url(), lastEventId: request.headers()['last-event-id'] ?? query });
      });
      await page.addInitScript(recordLastEventId);
      await openUi(page, serve, '/runs');
      const row = page.locator(`[data-testid=run-row][data-run-id="${id}"]`);
      await row.locator('[data-testid=state][data-state=Running]').waitFor();
      await liveIndicatorSays(page, 'Live');
      await markDocument(page);

      await setHidden(page, true);
      await liveIndicatorSays(page, 'Paused');
      const seenBeforeHiding = await page.evaluate('window.__lastEventId');
      await screenshot(page, 'paused-hidden');
      const streamsBefore = streams.length;
      // The run ends while nobody looks.
      serve.openGate('paused');
      await serve.ended(id);

      await setHidden(page, false);
      await liveIndicatorSays(page, 'Live');
      await row.locator('[data-testid=state][data-state=Completed]').waitFor();
      expect(await stillSameDocument(page)).toBe(true);
      // It came back by resuming the stream where it left off, not by starting a new one from now.
      const resumed = streams.slice(streamsBefore);
      expect(resumed.length, 'no new connection to /api/v1/events after the tab came back').toBeGreaterThan(
        0,
      );
      // Event ids are opaque, `<epoch>-<n>` (README "Serve's HTTP API"): the page sends back the last one it saw.
      expect(resumed[0]!.lastEventId, resumed[0]!.url).toMatch(/^[0-9a-z]+-\d+$/);
      expect(resumed[0]!.lastEventId, resumed[0]!.url).toBe(seenBeforeHiding);
      await screenshot(page, 'paused-resumed');
      expect(errors()).toEqual([]);
    },
    UI_TEST_MS,
  );
});

/**
 * Run in the page before its scripts: every EventSource notes the id of each message it gets in
 * `window.__lastEventId`, so the test knows the last id the page saw. (The tests compile without the
 * DOM's types: what runs in the page is given as its source.)
 */
const recordLastEventId = `(() => {
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      for (const type of ['batch', 'reset', 'message']) {
        this.addEventListener(type, (event) => {
          if (event.lastEventId) window.__lastEventId = event.lastEventId;
        });
      }
    }
  };
})()`;

/** Makes the page believe its tab was hidden (or shown again), as switching tabs does, and says so. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate(`(() => {
    const hidden = ${hidden};
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}

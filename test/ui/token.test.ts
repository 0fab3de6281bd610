import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser } from '../support/browser.ts';
import { until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import {
  openUi,
  RULES,
  type RunDetail,
  screenshotsOfFailures,
  startUiServe,
  UI_TEST_MS,
  type UiServe,
} from './support.ts';

/**
 * Changing actions from the UI against a serve with FLOWTEL_API_TOKEN: each asks for the token in the
 * "API token" dialog, a wrong one is refused with a message, the right one performs the action.
 * Every test opens a new tab: sessionStorage (where the UI keeps the token) is per tab.
 */

const TOKEN = 'ui-token-for-the-e2e-test-51c9';
let hook: SlackServer;
let serve: UiServe;
let browser: UiBrowser;
let failed: RunDetail;
beforeAll(async () => {
  hook = await startSlackServer();
  [serve, browser] = await Promise.all([
    startUiServe({ token: TOKEN, args: ['--rules', RULES], env: { HOOK_URL: hook.url } }),
    launchBrowser(),
  ]);
  failed = await serve.ended(await serve.runNow('ui-fails'));
}, 120_000);
screenshotsOfFailures(() => browser);
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await hook?.close();
});

const runsOf = async (flow: string): Promise<RunDetail[]> =>
  (await serve.api(`/api/v1/runs?flow=${flow}&limit=1000`)).body.runs;

/** The token dialog, once it is open. */
async function tokenDialog(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'API token' });
  await dialog.waitFor();
  return dialog;
}

/** Types `token` into the open dialog and sends it. */
async function answerWith(page: Page, token: string): Promise<void> {
  const input = (await tokenDialog(page)).locator('input[name=token]');
  await input.fill(token);
  await input.press('Enter');
}

/** The firing alert of the failed fixture run, once serve has it. */
const alertOfTheFailedRun = () =>
  until('the alert of the failed run', async () => {
    const { body } = await serve.api('/api/v1/alerts');
    return body.alerts.find((candidate: RunDetail) => candidate.labels?.flow === 'ui-fails');
  });

describe('the fixture rules', () => {
  it('fire ui-flow-failed for the failed run, sent to the webhook', async () => {
    expect(failed.state.name).toBe('Failed');
    expect(await alertOfTheFailedRun()).toMatchObject({ rule: 'ui-flow-failed', acknowledged: false });
    await until('the firing notification', () => (hook.accepted().length > 0 ? true : undefined));
  });
});

describe('with a token set', () => {
  it(
    'Retry asks for the token, refuses a wrong one with a message, and retries with the right one',
    async () => {
      const { page, errors } = await browser.newPage();
      const before = await runsOf('ui-fails');
      await openUi(page, serve, `/runs/${failed.id}`);
      await page.locator('main').getByRole('button', { name: 'Retry', exact: true }).click();
      // Retry first shows the run's parameters (editable); starting the run is what needs the token.
      await page
        .getByRole('dialog', { name: 'Retry ui-fails' })
        .getByRole('button', { name: 'Start run', exact: true })
        .click();
      const dialog = await tokenDialog(page);
      const prompt = await dialog.textContent();

      await answerWith(page, 'not-the-token');
      await until('the dialog to say the token was refused', async () => {
        const text = (await dialog.textContent()) ?? '';
        return text !== prompt &&
          /refused|wrong|invalid|not (accepted|valid|serve's)|rejected|401/i.test(text)
          ? true
          : undefined;
      });
      expect(await dialog.isVisible()).toBe(true);
      await screenshot(page, 'token-refused');
      expect(await runsOf('ui-fails')).toHaveLength(before.length);

      await answerWith(page, TOKEN);
      await dialog.waitFor({ state: 'hidden' });
      const retried = await until('the retried run', async () => {
        const runs = await runsOf('ui-fails');
        return runs.length > before.length ? runs[0] : undefined;
      });
      expect(retried.id).not.toBe(failed.id);
      expect(await page.evaluate('JSON.stringify(Object.values(sessionStorage))')).toContain(TOKEN);
      // The 401 of the wrong token is the only kind of error the page may have logged.
      expect(errors().filter((error) => !/\b401\b/.test(error))).toEqual([]);
    },
    UI_TEST_MS,
  );

  it(
    'Cancel asks for the token, then cancels the run in flight',
    async () => {
      const id = await serve.runNow('ui-slow', { gate: 'cancelled-by-the-ui' });
      await serve.waitingAt('cancelled-by-the-ui', id);
      const { page } = await browser.newPage();
      page.on('dialog', (confirm) => confirm.accept()); // a native "are you sure?", if the UI asks one
      await openUi(page, serve, `/runs/${id}`);
      // Scoped to main and exact: the token dialog may have a Cancel button of its own.
      await page.locator('main').getByRole('button', { name: 'Cancel', exact: true }).click();
      await answerWith(page, TOKEN);
      expect((await serve.ended(id)).state.name).toBe('Cancelled');
      await page.locator('main [data-testid=state][data-state=Cancelled]').first().waitFor();
    },
    UI_TEST_MS,
  );

  it(
    'Acknowledge asks for the token, then acknowledges the firing alert',
    async () => {
      const alert = await until('the alert of the failed run', async () => {
        const { body } = await serve.api('/api/v1/alerts');
        return body.alerts.find((candidate: RunDetail) => candidate.labels?.flow === 'ui-fails');
      });
      expect(alert.acknowledged).toBe(false);
      const { page } = await browser.newPage();
      await openUi(page, serve, '/alerts');
      await page.locator('main').getByRole('button', { name: 'Acknowledge', exact: true }).first().click();
      await answerWith(page, TOKEN);
      await until('the alert acknowledged', async () => {
        const { body } = await serve.api('/api/v1/alerts');
        return body.alerts.find((candidate: RunDetail) => candidate.id === alert.id)?.acknowledged === true
          ? true
          : undefined;
      });
    },
    UI_TEST_MS,
  );
});

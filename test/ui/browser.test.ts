import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type UiBrowser, VIEWPORT } from '../support/browser.ts';

/** The harness itself: Debian's Chromium driven by playwright-core, against a tiny loopback server. */

const PAGES: Record<string, string> = {
  '/': `<!doctype html><title>harness</title><main><h1>Harness</h1><p id="late"></p></main>
    <script src="/app.js"></script>`,
  '/app.js': `document.getElementById('late').textContent = 'written by a script, ' + innerWidth + 'x' + innerHeight;`,
  '/broken': `<!doctype html><title>broken</title><main><h1>Broken</h1></main><script>console.error('oops'); missing();</script>`,
};

let server: Server;
let base: string;
let browser: UiBrowser;
beforeAll(async () => {
  server = createServer((request, response) => {
    const body = PAGES[request.url ?? ''];
    if (body === undefined) return response.writeHead(404).end();
    const type = request.url?.endsWith('.js') ? 'text/javascript' : 'text/html';
    response.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the browser harness', () => {
  it('loads a page from loopback, runs its script at 1280×800, and screenshots it as a PNG', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(`${base}/`);
    expect(await page.locator('main h1').textContent()).toBe('Harness');
    await page.locator('#late', { hasText: 'written by a script' }).waitFor();
    expect(await page.locator('#late').textContent()).toContain(`${VIEWPORT.width}x${VIEWPORT.height}`);
    const png = readFileSync(await screenshot(page, 'harness'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(VIEWPORT.width);
    expect(png.readUInt32BE(20)).toBe(VIEWPORT.height);
    expect(errors()).toEqual([]);
    await page.close();
  });

  it('collects console errors and uncaught exceptions', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(`${base}/broken`);
    await page.waitForFunction("document.readyState === 'complete'");
    expect(errors()).toEqual(['console: oops', expect.stringMatching(/^uncaught: .*missing/)]);
    await page.close();
  });
});

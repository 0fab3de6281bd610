import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, installed by scripts/install-apt.sh; playwright-core never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 } as const;
/** Where screenshots go (gitignored; CI keeps the folder as an artefact). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/ui');

/**
 * Everything a headless run can do without: no network of its own (updates, sync, QUIC), no GPU, no
 * sandbox (CI runs as root, where Chromium's sandbox refuses to start).
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Generous: the machine is busy, and a wait decides nothing, the condition does. */
const WAIT_MS = 30_000;

export interface UiBrowser {
  readonly context: BrowserContext;
  /** A new tab whose console errors and uncaught exceptions are collected. */
  newPage(): Promise<WatchedPage>;
  /** Screenshots every tab still open as `<prefix>-<n>.png`: what a failed test left on screen. */
  screenshotOpenPages(prefix: string): Promise<void>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /**
   * Console errors and uncaught exceptions since the page opened (or since `clearErrors`); the
   * browser's own request for a missing /favicon.ico does not count.
   */
  errors(): string[];
  clearErrors(): void;
}

/**
 * One Chromium per test file, with a fresh empty profile (no cookies, storage or cache from another
 * run) and a 1280×800 viewport.
 */
export async function launchBrowser(): Promise<UiBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'flowtel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: VIEWPORT,
    timeout: 60_000,
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      let errors: string[] = [];
      page.on('console', (message) => {
        // The browser asks for /favicon.ico on its own; a page without one has no error a user sees.
        if (message.type() !== 'error' || message.location().url.endsWith('/favicon.ico')) return;
        errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      return {
        page,
        errors: () => [...errors],
        clearErrors: () => {
          errors = [];
        },
      };
    },
    async screenshotOpenPages(prefix) {
      const open = context.pages().filter((page) => page.url() !== 'about:blank');
      await Promise.all(open.map((page, n) => screenshot(page, `${prefix}-${n + 1}`).catch(() => undefined)));
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves the viewport as `test-artifacts/ui/<name>.png`; returns the file's path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUiDir, UI_CSP, uiRoutes } from '../../src/server/ui/static.ts';
import { startApi, type TestApi } from '../support/api-server.ts';
import { tempDir } from '../support/cli.ts';

/** The run UI's pages and build files, served by the API server on loopback from a build folder. */

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function buildDir(): string {
  const dir = tempDir('flowtel-ui-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>flowtel</title><script src="/assets/app-1a2b.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log("app")');
  writeFileSync(join(dir, 'assets', 'app-1a2b.css'), 'main{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the assets');
  return dir;
}

/** A request with its target sent exactly as written (fetch would resolve `..` itself). */
function raw(url: string, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const { hostname, port } = new URL(url);
    const req = request({ host: hostname, port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('the run UI', () => {
  it('answers index.html for each of its pages, not cached, with a strict Content-Security-Policy', async () => {
    api = await startApi({ extraRoutes: uiRoutes({ dir: buildDir() }) });
    for (const path of ['/', '/runs', '/runs/abc-123', '/flows/nightly-orders', '/alerts']) {
      const answer = await fetch(`${api.url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('cache-control')).toBe('no-cache');
      expect(answer.headers.get('content-security-policy')).toBe(UI_CSP);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await answer.text()).toContain('<title>flowtel</title>');
    }
    expect(UI_CSP).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    // The API keeps its own answers.
    expect((await fetch(`${api.url}/api/v1/flows`)).headers.get('content-type')).toMatch(/json/);
  });

  it('serves the hashed build files for good, with their types, and HEAD without a body', async () => {
    api = await startApi({ extraRoutes: uiRoutes({ dir: buildDir() }) });
    const script = await fetch(`${api.url}/assets/app-1a2b.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('console.log("app")');
    const style = await fetch(`${api.url}/assets/app-1a2b.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');

    const head = await raw(api.url, '/assets/app-1a2b.js', 'HEAD');
    expect(head).toEqual({ status: 200, body: '' });
    expect(await raw(api.url, '/runs', 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await fetch(`${api.url}/assets/missing.js`)).status).toBe(404);
  });

  it('refuses paths that would leave the assets folder', async () => {
    api = await startApi({ extraRoutes: uiRoutes({ dir: buildDir() }) });
    for (const path of [
      '/assets/../package.json',
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/..%5csecret.txt',
      '/assets/./app-1a2b.js',
      '/assets/.hidden',
      '/assets/a%00b',
    ]) {
      const answer = await raw(api.url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('outside the assets');
    }
  });

  it('answers 503 saying how to build the UI when there is no build', async () => {
    api = await startApi({ extraRoutes: uiRoutes({ dir: join(tempDir('flowtel-ui-'), 'nothing') }) });
    const answer = await fetch(`${api.url}/`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await answer.text()).toContain('npm run build:ui');
  });

  it("finds the build in the package's dist/ui, from src as from dist", () => {
    const root = resolve(import.meta.dirname, '../..');
    expect(defaultUiDir()).toBe(join(root, 'dist', 'ui'));
    expect(defaultUiDir(pathToFileURL(join(root, 'dist', 'server', 'ui', 'static.js')).href)).toBe(
      join(root, 'dist', 'ui'),
    );
  });
});

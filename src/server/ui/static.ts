import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../router.ts';

/** The app's pages: each answers the same index.html, the app routes in the browser. */
export const UI_PAGES = ['/', '/runs', '/runs/:id', '/flows/:name', '/alerts'] as const;

/** Nothing from elsewhere: scripts, styles, fetches and the event stream come from serve itself. */
export const UI_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': UI_CSP,
  'referrer-policy': 'no-referrer',
} as const;

/**
 * Where the build of the run UI is: `dist/ui/` of the flowtel package this module belongs to, found
 * by walking up to the package's `package.json`, so it is the same folder whether serve runs from
 * `src/` (tsx) or from `dist/`.
 */
export function defaultUiDir(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'server'))) break;
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(moduleUrl)), '../../../dist/ui');
    dir = parent;
  }
  return join(dir, 'dist', 'ui');
}

/**
 * The run UI: its pages (index.html, never cached, with a strict Content-Security-Policy) and its
 * hashed build files under `/assets/` (cached for good: a new build has new names). Without a build,
 * the pages answer 503 saying how to make one.
 */
export function uiRoutes(options: { readonly dir?: string } = {}): Route[] {
  const dir = resolve(options.dir ?? defaultUiDir());
  const assets = join(dir, 'assets');
  const page: Route['handle'] = async (_request, response) => {
    let html: Buffer;
    try {
      html = await readFile(join(dir, 'index.html'));
    } catch {
      const text = `the run UI is not built (no ${join(dir, 'index.html')}): run \`npm run build:ui\` in the flowtel package\n`;
      response.writeHead(503, {
        ...COMMON_HEADERS,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
      return;
    }
    response.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-frame-options': 'DENY',
      'content-length': html.length,
    });
    response.end(html);
  };
  return [
    ...UI_PAGES.map((path): Route => ({ method: 'GET', path, handle: page })),
    {
      method: 'GET',
      path: '/assets/*',
      handle: async (_request, response, params) => {
        const file = assetPath(assets, params['*'] ?? '');
        const found = file === undefined ? undefined : await stat(file).catch(() => undefined);
        if (file === undefined || !found?.isFile()) return notFound(response);
        const body = await readFile(file);
        response.writeHead(200, {
          ...COMMON_HEADERS,
          'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'cache-control': 'public, max-age=31536000, immutable',
          'content-length': body.length,
        });
        response.end(body);
      },
    },
  ];
}

/**
 * The file of an asset path inside `assets`, or undefined for anything that could leave it: `..` or
 * `.` segments (also percent-encoded), backslashes, NUL, empty segments, hidden files.
 */
function assetPath(assets: string, rest: string): string | undefined {
  const segments = rest.split('/');
  const decoded: string[] = [];
  for (const segment of segments) {
    let part: string;
    try {
      part = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (part === '' || part.startsWith('.') || /[\\/\0]/.test(part)) return undefined;
    decoded.push(part);
  }
  const file = resolve(assets, ...decoded);
  return file.startsWith(assets + sep) ? file : undefined;
}

function notFound(response: ServerResponse): void {
  const text = 'no such file\n';
  response.writeHead(404, {
    ...COMMON_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

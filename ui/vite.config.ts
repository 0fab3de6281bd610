import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The run UI builds into the package (dist/ui), which `flowtel serve` serves under a strict CSP:
// no inline scripts or styles, nothing inlined as data: besides images, nothing from a CDN.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});

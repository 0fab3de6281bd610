import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['flowtel-source'] },
  ssr: { resolve: { conditions: ['flowtel-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});

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
    // Two files at a time even on 2 cores (vitest's default there is one): most test files spend their
    // time waiting on the child processes and servers they start, not on the CPU.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // PostgreSQL tests share one database; each suite works in its own schema, so files may run in parallel.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/src/**/*.test.tsx', 'tests/**/*.test.ts'],
        },
      },
      {
        // Real Chromium (Debian's package) driven by playwright-core; the bundles the pages load
        // are built once by the global set-up and shared by every file, which run in parallel.
        extends: true,
        test: {
          name: 'browser',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A page waited for by `expect.poll` may take seconds on a loaded two-core machine (node
          // suites and several Chromium pages share it): wait up to 10 s instead of Vitest's 1 s.
          expect: { poll: { timeout: 10_000, interval: 50 } },
        },
      },
    ],
  },
});

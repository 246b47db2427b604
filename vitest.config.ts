import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // PostgreSQL tests share one database; each suite works in its own schema, so files may run in parallel.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

/**
 * Runs once before the browser tests: builds each browser bundle they load, once, so that test
 * files running in parallel share one build instead of each making its own.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { buildWeb } from '../scripts/build-web.ts';
import { ARTIFACTS, SEED_APP_BUILD } from './support/paths.ts';

export default async function setup(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await build({
    configFile: join(import.meta.dirname, '../tests/fixtures/seed/vite.config.ts'),
    build: { outDir: SEED_APP_BUILD },
  });
  // The widget, its loader and the demo site, from the sources under test (dist/web).
  await buildWeb();
}

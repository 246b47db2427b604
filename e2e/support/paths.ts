/** Where the browser tests find what the global set-up built, and where they leave screenshots. */
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The seed document's React app, built once per run by `e2e/global-setup.ts`. */
export const SEED_APP_BUILD = join(root, '.build', 'seed-app');
/** Screenshots the tests save; each test names the path of its own in its output. */
export const ARTIFACTS = join(root, '.artifacts');

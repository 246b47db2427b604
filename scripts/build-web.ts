/**
 * Builds everything a browser loads from the platform, into dist/web/:
 *   widget/widget-<hash>.js   the chat widget (Preact, `react` aliased to it), content-hashed
 *   widget.js                 the script tag's loader (an IIFE that knows the widget's hashed name)
 *   demo/                     the MIPTech demo site (React) and the plain script-tag page
 *   console/                  the operator console (React), served under /console/
 * Skips the work when nothing under the sources changed since the last build (`--force` builds
 * anyway). Run by `npm start` and by the browser tests' global set-up, so `npm install && npm
 * start` on a fresh clone needs nothing else.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type InlineConfig } from 'vite';

const ROOT = join(import.meta.dirname, '..');
export const WEB_DIST = join(ROOT, 'dist', 'web');
const STAMP = join(WEB_DIST, '.built');
const SOURCES = [
  'packages/protocol/src',
  'packages/client/src',
  'packages/react/src',
  'packages/embed/src',
  'apps/demo',
  'apps/console',
  'scripts/build-web.ts',
];

/** `react` and `react-dom` as Preact's compat layer: the widget's one source, a tenth of the weight. */
const PREACT_ALIASES = [
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
  { find: /^react$/, replacement: 'preact/compat' },
];

function newestChange(path: string): number {
  const full = join(ROOT, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(full)) {
    if (
      entry === 'node_modules' ||
      entry === 'dist' ||
      entry.endsWith('.test.ts') ||
      entry.endsWith('.test.tsx')
    )
      continue;
    newest = Math.max(newest, newestChange(join(path, entry)));
  }
  return newest;
}

export function webBuildIsCurrent(): boolean {
  if (!existsSync(STAMP)) return false;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.every((source) => newestChange(source) <= built);
}

const quiet: InlineConfig = { configFile: false, logLevel: 'warn', root: ROOT };

export async function buildWeb(): Promise<void> {
  // Always the shipped build: under Vitest NODE_ENV is `test`, and Vite would then compile JSX for
  // development (jsxDEV calls, source locations), so the browser tests and the console's weight
  // test would measure a bundle nobody ships (145 KB gzip instead of about 85 KB for the console).
  const environment = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await buildAll();
  } finally {
    if (environment === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = environment;
  }
}

async function buildAll(): Promise<void> {
  rmSync(WEB_DIST, { recursive: true, force: true });
  mkdirSync(WEB_DIST, { recursive: true });

  await build({
    ...quiet,
    resolve: { alias: PREACT_ALIASES },
    build: {
      outDir: WEB_DIST,
      emptyOutDir: false,
      manifest: 'widget-manifest.json',
      target: 'es2022',
      rolldownOptions: {
        input: { widget: join(ROOT, 'packages/embed/src/widget.tsx') },
        preserveEntrySignatures: 'exports-only',
        output: {
          entryFileNames: 'widget/[name]-[hash].js',
          chunkFileNames: 'widget/[name]-[hash].js',
          assetFileNames: 'widget/[name]-[hash][extname]',
        },
      },
    },
  });
  const manifest = JSON.parse(readFileSync(join(WEB_DIST, 'widget-manifest.json'), 'utf8')) as Record<
    string,
    { file: string; isEntry?: boolean }
  >;
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
  if (!entry) throw new Error('The widget build made no entry chunk');

  await build({
    ...quiet,
    define: { __MIPTECH_WIDGET_PATH__: JSON.stringify(`/${entry.file}`) },
    build: {
      outDir: WEB_DIST,
      emptyOutDir: false,
      target: 'es2020',
      lib: {
        entry: join(ROOT, 'packages/embed/src/loader.ts'),
        formats: ['iife'],
        name: 'MIPTechLoader',
        fileName: () => 'widget.js',
      },
    },
  });

  await build({
    ...quiet,
    root: join(ROOT, 'apps/demo'),
    build: { outDir: join(WEB_DIST, 'demo'), emptyOutDir: false, target: 'es2022' },
  });

  await build({
    ...quiet,
    root: join(ROOT, 'apps/console'),
    base: '/console/',
    build: { outDir: join(WEB_DIST, 'console'), emptyOutDir: false, target: 'es2022' },
  });
  writeFileSync(STAMP, new Date().toISOString());
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  if (!force && webBuildIsCurrent()) {
    console.log('Web build is current (dist/web)');
  } else {
    const started = Date.now();
    await buildWeb();
    console.log(
      `Built the widget, its loader, the demo site and the console into dist/web in ${Date.now() - started} ms`,
    );
  }
}

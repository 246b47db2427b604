/**
 * What browsers load from the platform itself (built by scripts/build-web.ts into WEB_DIR):
 * - `/widget.js`, the script tag's loader: a short cache, so a new release reaches sites soon;
 * - `/widget/*`, the widget's content-hashed chunks: cached for a year (`immutable`), readable
 *   from any origin, since a module `import()` from a customer's page is a CORS request;
 * - the demo site at `/` (`/services`, `/about`, `/contact`) with its assets, and `/plain.html`;
 * - the operator console at `/console` (a single-page app: every `/console/*` path is its page,
 *   so a reload on `/console/chats/<id>` works), its assets under `/console/assets/`.
 * Without a build, these answer 404 and the log says how to build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

const DEMO_PAGES = ['/', '/services', '/about', '/contact'];
const YEAR = 365 * 24 * 60 * 60;
/** Any page may load the widget, and may time it (Resource Timing shows its real size). */
const anyOrigin = (reply: FastifyReply) => {
  reply.header('access-control-allow-origin', '*');
  reply.header('timing-allow-origin', '*');
};

export async function webRoutes(app: FastifyInstance, options: { directory: string }): Promise<void> {
  const { directory } = options;
  if (!existsSync(join(directory, 'widget.js'))) {
    app.log.warn(
      { directory },
      'No web build: the widget and the demo site are missing; run npm run build:web',
    );
  }
  await app.register(fastifyStatic, {
    root: join(directory, 'widget'),
    prefix: '/widget/',
    decorateReply: false,
    immutable: true,
    maxAge: YEAR * 1000,
    index: false,
    setHeaders: anyOrigin,
  });
  await app.register(fastifyStatic, {
    root: join(directory, 'demo', 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    immutable: true,
    maxAge: YEAR * 1000,
    index: false,
  });
  await app.register(fastifyStatic, {
    root: join(directory, 'console', 'assets'),
    prefix: '/console/assets/',
    decorateReply: false,
    immutable: true,
    maxAge: YEAR * 1000,
    index: false,
  });
  await app.register(fastifyStatic, {
    root: directory,
    serve: false,
  });

  const file = (path: string, cacheControl: string, reply: FastifyReply) =>
    reply.header('cache-control', cacheControl).sendFile(path, directory, { cacheControl: false });

  app.get('/widget.js', { schema: { hide: true } }, (_request, reply) => {
    anyOrigin(reply);
    return file('widget.js', 'public, max-age=300', reply);
  });
  app.get('/plain.html', { schema: { hide: true } }, (_request, reply) =>
    file('demo/plain.html', 'no-cache', reply),
  );
  // no-store: the page is the console's whole shell and must never outlive a release.
  const consolePage = (_request: unknown, reply: FastifyReply) =>
    file('console/index.html', 'no-store', reply);
  app.get('/console', { schema: { hide: true } }, consolePage);
  app.get('/console/*', { schema: { hide: true } }, consolePage);
  for (const url of DEMO_PAGES) {
    app.get(url, { schema: { hide: true } }, (_request, reply) => file('demo/index.html', 'no-cache', reply));
  }
}

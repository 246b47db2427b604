import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../outbound/allow-list.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { type LoadedSource, type LoadOptions, loadSources } from './load-sources.ts';

async function loadAll(inputs: string[], options: LoadOptions = {}): Promise<LoadedSource[]> {
  const loaded: LoadedSource[] = [];
  for await (const source of loadSources(inputs, options)) loaded.push(source);
  return loaded;
}

/** `[status, source]` of each result: the shape most assertions care about. */
function summary(loaded: LoadedSource[]): Array<[string, string]> {
  return loaded.map((entry) => [
    entry.status,
    entry.status === 'loaded' ? entry.document.source : entry.source,
  ]);
}

describe('loadSources from files', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'miptech-load-sources-'));
    const files: Record<string, string> = {
      'docs/b-guide.md': '# Guide',
      'docs/a-notes.txt': '\uFEFFNotes',
      'docs/image.png': 'not really a picture',
      'docs/sub/page.HTM': '<p>Page</p>',
      'docs/sub/deeper/faq.markdown': '# FAQ',
      'docs/.hidden.md': '# Hidden',
      'docs/.git/config.md': '# Git',
      'docs/node_modules/pkg/readme.md': '# Dependency',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('walks a directory recursively in sorted order, skipping dot-files, node_modules and other types', async () => {
    const loaded = await loadAll(['docs'], { cwd: root });
    expect(summary(loaded)).toEqual([
      ['loaded', 'docs/a-notes.txt'],
      ['loaded', 'docs/b-guide.md'],
      ['skipped', 'docs/image.png'],
      ['loaded', 'docs/sub/deeper/faq.markdown'],
      ['loaded', 'docs/sub/page.HTM'],
    ]);
    const documents = loaded.flatMap((entry) => (entry.status === 'loaded' ? [entry.document] : []));
    expect(documents.map((document) => document.format)).toEqual(['text', 'markdown', 'markdown', 'html']);
    // The byte-order mark is not text.
    expect(documents[0]?.body).toBe('Notes');
    expect(documents.every((document) => document.url === undefined)).toBe(true);
    expect(loaded[2]).toMatchObject({ reason: expect.stringContaining('not a supported file type') });
  });

  it('names a file by its path relative to the working directory, however it was spelled', async () => {
    const spellings = [
      'docs/b-guide.md',
      './docs/b-guide.md',
      'docs/sub/../b-guide.md',
      join(root, 'docs/b-guide.md'),
    ];
    const loaded = await loadAll(spellings, { cwd: root });
    expect(summary(loaded)).toEqual(spellings.map(() => ['loaded', 'docs/b-guide.md']));
    const fromSub = await loadAll(['../b-guide.md'], { cwd: join(root, 'docs/sub') });
    expect(summary(fromSub)).toEqual([['loaded', '../b-guide.md']]);
  });

  it('reports a missing path, an unsupported file named on its own and an over-large file, and goes on', async () => {
    const loaded = await loadAll(['missing.md', 'docs/image.png', 'docs/b-guide.md'], { cwd: root });
    expect(loaded).toEqual([
      { status: 'failed', source: 'missing.md', reason: 'no such file or directory' },
      {
        status: 'failed',
        source: 'docs/image.png',
        reason: expect.stringContaining('not a supported file type'),
      },
      { status: 'loaded', document: { source: 'docs/b-guide.md', body: '# Guide', format: 'markdown' } },
    ]);
    const tooLarge = await loadAll(['docs/b-guide.md'], { cwd: root, maxBytes: 3 });
    expect(tooLarge).toEqual([
      { status: 'failed', source: 'docs/b-guide.md', reason: 'larger than 0.000003 MB' },
    ]);
  });
});

describe('loadSources from the web', () => {
  let server: Server;
  let base: string;
  /** The same server under a public-looking name that the operator allowed (it resolves to loopback). */
  let site: string;
  const allowed = new OutboundPolicy({
    allow: parseAllowList('127.0.0.1, site.test'),
    resolve: async () => ['127.0.0.1'],
  });
  /** Loads with a fetch that allows the test's loopback server, as OUTBOUND_ALLOW would. */
  const loadWeb = (inputs: string[], options: LoadOptions = {}) =>
    loadAll(inputs, { fetch: createGuardedFetch(allowed), ...options });
  /** Requests being answered right now, and the most there were at once. */
  let inFlight = 0;
  let mostInFlight = 0;
  const requested: string[] = [];

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/page': (_, response) => send(response, 'text/html; charset=utf-8', '<title>Page</title><p>Hello</p>'),
    '/guide.md': (_, response) => send(response, 'text/plain', '# Guide'),
    '/notes': (_, response) => send(response, 'text/markdown', '# Notes'),
    '/latin1': (_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
      response.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    },
    '/moved': (_, response) => {
      response.writeHead(302, { location: '/page' });
      response.end();
    },
    '/image': (_, response) => send(response, 'image/png', 'PNG'),
    '/big': (_, response) => send(response, 'text/html', 'x'.repeat(5000)),
    '/slow': (_, response) => {
      // Headers at once, then a body that never ends: the timeout must cover the body too.
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write('<p>Start');
    },
    '/sitemap.xml': (_, response) =>
      send(response, 'application/xml', sitemap(['/pages/1', '/pages/2', '/pages/3', '/pages/2#again'])),
    '/broken-sitemap.xml': (_, response) =>
      send(response, 'text/xml', sitemap(['/pages/1', '/missing', '/pages/3'])),
    '/index.xml': (_, response) =>
      send(
        response,
        'application/xml',
        `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${base}/sitemap.xml</loc></sitemap><sitemap><loc>${base}/missing.xml</loc></sitemap></sitemapindex>`,
      ),
    '/many.xml': (_, response) =>
      send(
        response,
        'application/xml',
        sitemap(['/pages/1', '/pages/2', '/pages/3', '/pages/4', '/pages/5']),
      ),
    '/feed.xml': (_, response) => send(response, 'application/rss+xml', '<rss><channel></channel></rss>'),
    '/mixed.xml': (_, response) => {
      const port = new URL(base).port;
      const locations = [
        `${site}/pages/1`,
        `http://localhost:${port}/secret`,
        `${base}/pages/2`,
        `${site}/pages/3`,
      ];
      const entries = locations.map((location) => `<url><loc>${location}</loc></url>`).join('');
      send(
        response,
        'application/xml',
        `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries}</urlset>`,
      );
    },
    '/moved-out': (_, response) => {
      response.writeHead(307, { location: `http://localhost:${new URL(base).port}/secret` });
      response.end();
    },
  };

  function send(response: ServerResponse, contentType: string, body: string): void {
    response.writeHead(200, { 'content-type': contentType });
    response.end(body);
  }

  function sitemap(paths: string[]): string {
    const entries = paths.map((path) => `<url><loc> ${base}${path} </loc></url>`);
    return `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries.join('')}</urlset>`;
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      requested.push(path);
      const page = /^\/pages\/(\d+)$/.exec(path);
      if (page) {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // The first page is the slowest, so answers arrive out of order.
        const delay = page[1] === '1' ? 150 : 20;
        setTimeout(() => {
          inFlight--;
          send(response, 'text/html', `<h1>Page ${page[1]}</h1><p>Text of page ${page[1]}.</p>`);
        }, delay);
        return;
      }
      const route = routes[path];
      if (route) route(request, response);
      else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('Not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    site = `http://site.test:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    // The stalled /slow response would keep close() waiting forever.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('loads a page, named and linked by its URL, its format from the content type', async () => {
    const loaded = await loadWeb([`${base}/page`, `${base}/notes`, `${base}/guide.md`, `${base}/latin1`]);
    expect(loaded).toEqual([
      {
        status: 'loaded',
        document: {
          source: `${base}/page`,
          url: `${base}/page`,
          format: 'html',
          body: '<title>Page</title><p>Hello</p>',
        },
      },
      {
        status: 'loaded',
        document: { source: `${base}/notes`, url: `${base}/notes`, format: 'markdown', body: '# Notes' },
      },
      // text/plain is what code hosts serve any raw file as; the extension says Markdown.
      {
        status: 'loaded',
        document: {
          source: `${base}/guide.md`,
          url: `${base}/guide.md`,
          format: 'markdown',
          body: '# Guide',
        },
      },
      {
        status: 'loaded',
        document: { source: `${base}/latin1`, url: `${base}/latin1`, format: 'text', body: 'café' },
      },
    ]);
  });

  it('names a redirected page by its final URL', async () => {
    expect(summary(await loadWeb([`${base}/moved`]))).toEqual([['loaded', `${base}/page`]]);
  });

  it('reports a 404, a stalled response, a refused connection, a wrong type and an over-large page, and goes on', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));

    const started = Date.now();
    const loaded = await loadWeb(
      [
        `${base}/missing`,
        `${base}/slow`,
        closedUrl,
        `${base}/image`,
        `${base}/feed.xml`,
        `${base}/big`,
        `${base}/page`,
      ],
      { timeoutMs: 300, maxBytes: 1000 },
    );
    expect(loaded).toEqual([
      { status: 'failed', source: `${base}/missing`, reason: 'HTTP 404 Not Found' },
      { status: 'failed', source: `${base}/slow`, reason: 'timed out after 0.3 s' },
      { status: 'failed', source: closedUrl, reason: 'ECONNREFUSED' },
      { status: 'failed', source: `${base}/image`, reason: 'unsupported content type "image/png"' },
      {
        status: 'failed',
        source: `${base}/feed.xml`,
        reason: 'unsupported content type "application/rss+xml"',
      },
      { status: 'failed', source: `${base}/big`, reason: 'larger than 0.001 MB' },
      expect.objectContaining({ status: 'loaded' }),
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("loads a sitemap's pages in its order, once each, a few at a time", async () => {
    mostInFlight = 0;
    const loaded = await loadWeb([`${base}/sitemap.xml`], { concurrency: 2 });
    expect(summary(loaded)).toEqual([
      ['loaded', `${base}/pages/1`],
      ['loaded', `${base}/pages/2`],
      ['loaded', `${base}/pages/3`],
    ]);
    expect(loaded[0]).toMatchObject({
      document: { format: 'html', body: expect.stringContaining('Text of page 1.') },
    });
    expect(mostInFlight).toBe(2);
  });

  it("reports a sitemap's dead page and loads the others", async () => {
    expect(summary(await loadWeb([`${base}/broken-sitemap.xml`]))).toEqual([
      ['loaded', `${base}/pages/1`],
      ['failed', `${base}/missing`],
      ['loaded', `${base}/pages/3`],
    ]);
  });

  it('follows a sitemap index one level down', async () => {
    expect(summary(await loadWeb([`${base}/index.xml`]))).toEqual([
      ['failed', `${base}/missing.xml`],
      ['loaded', `${base}/pages/1`],
      ['loaded', `${base}/pages/2`],
      ['loaded', `${base}/pages/3`],
    ]);
  });

  it('takes at most maxPages pages from a sitemap and says so', async () => {
    requested.length = 0;
    const loaded = await loadWeb([`${base}/many.xml`], { maxPages: 2 });
    expect(summary(loaded)).toEqual([
      ['skipped', `${base}/many.xml`],
      ['loaded', `${base}/pages/1`],
      ['loaded', `${base}/pages/2`],
    ]);
    expect(loaded[0]).toMatchObject({ reason: expect.stringContaining('only the first 2 pages') });
    expect(requested).toEqual(['/many.xml', '/pages/1', '/pages/2']);
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response('plain words', { headers: { 'content-type': 'text/plain' } });
    };
    const loaded = await loadWeb(['https://acme.example/about'], { fetch: fakeFetch });
    expect(seen).toEqual(['https://acme.example/about']);
    // A Response made by hand has no URL; the requested one stands in.
    expect(summary(loaded)).toEqual([['loaded', 'https://acme.example/about']]);
  });

  it('refuses a loopback page by default, before any request', async () => {
    requested.length = 0;
    const loaded = await loadAll([`${base}/page`]);
    expect(loaded).toEqual([
      {
        status: 'failed',
        source: `${base}/page`,
        reason: expect.stringContaining('127.0.0.1 is a loopback address'),
      },
    ]);
    expect(requested).toEqual([]);
  });

  it("skips a sitemap's <loc> that points at loopback, with the reason, and loads the others", async () => {
    requested.length = 0;
    const loaded = await loadWeb([`${site}/mixed.xml`], { fetch: createGuardedFetch(siteOnly()) });
    expect(summary(loaded)).toEqual([
      ['loaded', `${site}/pages/1`],
      ['skipped', `http://localhost:${new URL(base).port}/secret`],
      ['skipped', `${base}/pages/2`],
      ['loaded', `${site}/pages/3`],
    ]);
    expect(loaded[1]).toMatchObject({
      reason: expect.stringMatching(/^refused: localhost is an internal name/),
    });
    expect(loaded[2]).toMatchObject({
      reason: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/),
    });
    expect(requested).not.toContain('/secret');
    expect(requested).not.toContain('/pages/2');
  });

  it('refuses a redirect to loopback', async () => {
    requested.length = 0;
    const loaded = await loadWeb([`${site}/moved-out`], { fetch: createGuardedFetch(siteOnly()) });
    expect(loaded).toEqual([
      {
        status: 'failed',
        source: `${site}/moved-out`,
        reason: expect.stringContaining('localhost is an internal name'),
      },
    ]);
    expect(requested).toEqual(['/moved-out']);
  });
});

/** Allows only the name site.test (which resolves to loopback), not loopback itself. */
function siteOnly(): OutboundPolicy {
  return new OutboundPolicy({ allow: parseAllowList('site.test'), resolve: async () => ['127.0.0.1'] });
}

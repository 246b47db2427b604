/**
 * The seed document's React app in a browser page, served from the bundle the global set-up
 * built by a static server on loopback (as `npm start` of Create React App serves it on
 * localhost:3000), talking to a platform on another port. `.env` values come from the document;
 * a test overrides some per page.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { SEED_APP_BUILD } from './paths.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface SeedAppServer {
  /** `http://localhost:<port>`: a real loopback origin, so Chromium lets the page call the platform. */
  origin: string;
  close(): Promise<void>;
}

/** Serves the built seed app on a free loopback port. */
export async function serveSeedApp(): Promise<SeedAppServer> {
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const file = normalize(join(SEED_APP_BUILD, pathname === '/' ? 'index.html' : pathname));
    try {
      if (!file.startsWith(SEED_APP_BUILD)) throw new Error('outside the build');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The seed app's URL with its `.env` pointed at `platformUrl`, plus any other overrides. */
export function seedAppUrl(
  app: SeedAppServer,
  platformUrl: string,
  overrides: Record<string, string> = {},
): string {
  const query = new URLSearchParams({
    REACT_APP_MIPTECH_API_URL: platformUrl,
    REACT_APP_MIPTECH_WS_URL: platformUrl.replace(/^http/, 'ws'),
    ...overrides,
  });
  return `${app.origin}/?${query}`;
}

/** What a page logged to its console, kept for assertions (React's warnings among them). */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  return lines;
}

/** React's warning when two children of a list share a key: what three copies of a message caused. */
export const duplicateKeyWarnings = (lines: string[]) =>
  lines.filter((line) => line.includes('Encountered two children with the same key'));

/** The seed widget's open panel: the element around its header's title. */
export const seedPanel = (page: Page): Locator =>
  page.locator('div.flex-col', { has: page.getByText('MIPTech AI Assistant', { exact: true }) }).last();

/**
 * The chat bubbles the seed's ChatWidget shows, in order, as a visitor reads them: who wrote each
 * (the seed aligns the visitor's to the right, `justify-end`) and its text.
 */
export async function seedBubbles(
  page: Page,
): Promise<Array<{ from: 'visitor' | 'assistant'; text: string }>> {
  return page.locator('div.break-words').evaluateAll((nodes) =>
    nodes.map((node) => ({
      from: node.parentElement?.parentElement?.classList.contains('justify-end') ? 'visitor' : 'assistant',
      text: node.textContent ?? '',
    })),
  ) as Promise<Array<{ from: 'visitor' | 'assistant'; text: string }>>;
}

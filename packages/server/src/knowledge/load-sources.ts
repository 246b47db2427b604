/**
 * Resolves what an operator names on the command line (files, directories, pages, sitemaps) into
 * raw documents, one at a time, in a stable order. A source that cannot be read is reported and
 * the run goes on: one dead link in a sitemap of 200 pages must not lose the other 199.
 *
 * Files are named by their path relative to the working directory, with forward slashes
 * (`docs/faq.md`): the same file ingested again from the same place maps to the same source and
 * so updates its document, and the name means the same on every machine that runs the command
 * from the repository's root. Pages are named by their final URL, after redirects.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { DocumentFormat } from '@miptech/protocol';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { type Fetched, fetchText, tooLarge } from './fetch-text.ts';
import { decodeEntities } from './parse-html.ts';
import { isHttpUrl } from './prepare-document.ts';

/** A document read from its source, not yet parsed. */
export interface RawDocument {
  /** The file's path relative to the working directory, or the page's final URL. */
  source: string;
  body: string;
  format: DocumentFormat;
  /** The page's URL; absent for files. */
  url?: string;
}

/** One source's result: a document, or why there is none. */
export type LoadedSource =
  | { status: 'loaded'; document: RawDocument }
  /** Not an error: a file of a type that is not ingested, met while walking a directory. */
  | { status: 'skipped'; source: string; reason: string }
  | { status: 'failed'; source: string; reason: string };

/** Limits and seams of {@link loadSources}; the defaults suit a command-line run. */
export interface LoadOptions {
  /**
   * The `fetch` to use. By default a guarded one that refuses internal addresses, on every
   * redirect too (`outbound/guarded-fetch.ts`); the CLI passes one that honours `OUTBOUND_ALLOW`.
   */
  fetch?: typeof fetch;
  /** Longest wait for one page, body included; default 15 s. */
  timeoutMs?: number;
  /** Largest file or page; default 5 MB. */
  maxBytes?: number;
  /** Most pages taken from one sitemap, nested sitemaps included; default 200. */
  maxPages?: number;
  /** Pages fetched at once from a sitemap; default 4, gentle on the site. */
  concurrency?: number;
  /** Where relative paths start and file sources are named from; default `process.cwd()`. */
  cwd?: string;
}

/** What each file extension is read as; any other extension is skipped. */
const FORMAT_BY_EXTENSION: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

const DEFAULTS = { timeoutMs: 15_000, maxBytes: 5_000_000, maxPages: 200, concurrency: 4 };

type Settings = typeof DEFAULTS & { fetch: typeof fetch; cwd: string };

/**
 * Every document the inputs name, in order: inputs as given, a directory's files sorted by path,
 * a sitemap's pages in its order.
 *
 * @example
 * for await (const loaded of loadSources(['docs', 'https://acme.example/sitemap.xml'])) {
 *   if (loaded.status === 'loaded') console.log(loaded.document.source);
 * }
 */
export async function* loadSources(
  inputs: string[],
  options: LoadOptions = {},
): AsyncGenerator<LoadedSource> {
  const settings: Settings = {
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
    maxPages: options.maxPages ?? DEFAULTS.maxPages,
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    fetch: options.fetch ?? createGuardedFetch(),
    cwd: options.cwd ?? process.cwd(),
  };
  for (const input of inputs) {
    if (isHttpUrl(input)) yield* loadUrl(input, settings);
    else yield* loadPath(input, settings);
  }
}

async function* loadPath(input: string, settings: Settings): AsyncGenerator<LoadedSource> {
  const path = resolve(settings.cwd, input);
  const source = sourceOfPath(path, settings.cwd);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    yield { status: 'failed', source, reason: describeFileError(error) };
    return;
  }
  if (!isDirectory) {
    const loaded = await loadFile(path, settings);
    // Named on its own, a file of the wrong type is a mistake to report, not something to pass over.
    yield loaded.status === 'skipped' ? { ...loaded, status: 'failed' } : loaded;
    return;
  }
  let files: string[];
  try {
    files = await listFiles(path);
  } catch (error) {
    yield { status: 'failed', source, reason: describeFileError(error) };
    return;
  }
  for (const file of files) yield await loadFile(file, settings);
}

/** The files under `directory`, sorted, leaving out dot-files, `node_modules` and symbolic links. */
async function listFiles(directory: string): Promise<string[]> {
  const entries: Dirent[] = await readdir(directory, { withFileTypes: true });
  // By code unit, not locale: the order must not depend on the machine.
  const names = entries
    .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .sort((first, second) => (first.name < second.name ? -1 : first.name > second.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of names) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function loadFile(path: string, settings: Settings): Promise<LoadedSource> {
  const source = sourceOfPath(path, settings.cwd);
  const extension = extname(path).toLowerCase();
  const format = FORMAT_BY_EXTENSION[extension];
  if (!format) {
    const known = Object.keys(FORMAT_BY_EXTENSION).join(', ');
    return { status: 'skipped', source, reason: `not a supported file type (${known})` };
  }
  try {
    const { size } = await stat(path);
    if (size > settings.maxBytes) return { status: 'failed', source, reason: tooLarge(settings.maxBytes) };
    const body = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
    return { status: 'loaded', document: { source, body, format } };
  } catch (error) {
    return { status: 'failed', source, reason: describeFileError(error) };
  }
}

/** The path relative to `cwd` with forward slashes, the same on every operating system. */
function sourceOfPath(path: string, cwd: string): string {
  return (relative(cwd, path) || '.').split(sep).join('/');
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

async function* loadUrl(input: string, settings: Settings): AsyncGenerator<LoadedSource> {
  const fetched = await fetchText(input, settings);
  if (!fetched.ok) {
    yield { status: 'failed', source: input, reason: fetched.reason };
    return;
  }
  if (isSitemap(fetched)) {
    yield* loadSitemap(fetched, settings);
    return;
  }
  yield pageFrom(fetched);
}

function pageFrom(fetched: Fetched & { ok: true }): LoadedSource {
  const format = formatOfPage(fetched.contentType, fetched.url);
  const { url, body, contentType } = fetched;
  if (!format) return { status: 'failed', source: url, reason: `unsupported content type "${contentType}"` };
  return { status: 'loaded', document: { source: url, body, format, url } };
}

function formatOfPage(contentType: string, url: string): DocumentFormat | undefined {
  if (contentType === 'text/html' || contentType === 'application/xhtml+xml') return 'html';
  if (contentType === 'text/markdown' || contentType === 'text/x-markdown') return 'markdown';
  // Raw files on code hosts are served as text/plain whatever they hold; the extension knows better.
  if (contentType === 'text/plain' || !contentType) {
    return FORMAT_BY_EXTENSION[extname(new URL(url).pathname).toLowerCase()] ?? 'text';
  }
  return undefined;
}

function isSitemap(fetched: Fetched & { ok: true }): boolean {
  const looksXml = /[/+]xml$/.test(fetched.contentType) || new URL(fetched.url).pathname.endsWith('.xml');
  return looksXml && /<(urlset|sitemapindex)[\s>]/.test(fetched.body);
}

/**
 * A sitemap's pages, following a sitemap index one level down, at most `maxPages` of them,
 * fetched a few at a time but reported in the sitemap's order.
 */
async function* loadSitemap(
  sitemap: Fetched & { ok: true },
  settings: Settings,
): AsyncGenerator<LoadedSource> {
  const pages: string[] = [];
  const failures: LoadedSource[] = [];
  let truncated = false;
  const collect = (body: string): void => {
    for (const location of locationsIn(body)) {
      if (pages.includes(location)) continue;
      if (pages.length < settings.maxPages) pages.push(location);
      else truncated = true;
    }
  };
  if (/<sitemapindex[\s>]/.test(sitemap.body)) {
    for (const child of locationsIn(sitemap.body)) {
      truncated ||= pages.length >= settings.maxPages;
      if (truncated) break;
      const fetched = await fetchText(child, settings);
      if (!fetched.ok) failures.push(notLoaded(child, fetched));
      // One level only: an index of indexes is rare, and following it blindly could loop.
      else if (/<sitemapindex[\s>]/.test(fetched.body)) {
        failures.push({ status: 'failed', source: child, reason: 'nested sitemap index not followed' });
      } else collect(fetched.body);
    }
  } else {
    collect(sitemap.body);
  }
  yield* failures;
  if (truncated) {
    const reason = `only the first ${settings.maxPages} pages were taken; raise the limit to take the rest`;
    yield { status: 'skipped', source: sitemap.url, reason };
  }
  const load = async (page: string): Promise<LoadedSource> => {
    const fetched = await fetchText(page, settings);
    return fetched.ok ? pageFrom(fetched) : notLoaded(page, fetched);
  };
  yield* mapInOrder(pages, settings.concurrency, load);
}

/**
 * A sitemap entry that was not loaded. One the outbound policy refuses is `skipped` with the
 * reason: the site's owner chose it, not the operator, and it is not a dead link to fix.
 */
function notLoaded(source: string, fetched: Fetched & { ok: false }): LoadedSource {
  if (fetched.refused) return { status: 'skipped', source, reason: `refused: ${fetched.reason}` };
  return { status: 'failed', source, reason: fetched.reason };
}

/** The http(s) `<loc>` URLs of a sitemap, entities decoded, fragments dropped. */
function locationsIn(xml: string): string[] {
  const locations: string[] = [];
  for (const match of xml.matchAll(/<loc>\s*(?:<!\[CDATA\[)?\s*([^<\]]+?)\s*(?:\]\]>)?\s*<\/loc>/g)) {
    const location = decodeEntities(match[1] ?? '');
    if (!isHttpUrl(location)) continue;
    // A fragment names a place in the same page, which is one document.
    const url = new URL(location);
    url.hash = '';
    locations.push(url.href);
  }
  return locations;
}

/** `fn` over `items`, at most `concurrency` at once, results in the items' order. `fn` never rejects. */
async function* mapInOrder<Item, Result>(
  items: Item[],
  concurrency: number,
  fn: (item: Item) => Promise<Result>,
): AsyncGenerator<Result> {
  const running: Array<Promise<Result>> = [];
  let next = 0;
  const startNext = (): void => {
    const item = items[next++];
    if (item !== undefined) running.push(fn(item));
  };
  while (next < items.length && running.length < Math.max(1, concurrency)) startNext();
  for (let result = running.shift(); result; result = running.shift()) {
    const value = await result;
    if (next < items.length) startNext();
    yield value;
  }
}

/**
 * A document as given (a body in some format, from some source) → the `NewDocument` the store
 * takes: parsed, titled, linked and split into passages. Shared by the CLI's `knowledge ingest`,
 * the operators' REST API and the demo seeding, so it is pure and synchronous: it reads nothing
 * and stores nothing.
 */
import type { DocumentFormat } from '@miptech/protocol';
import type { NewDocument } from '../storage/knowledge-store.ts';
import { checkDocumentLimits } from './document-limits.ts';
import { parseHtml } from './parse-html.ts';
import { parseMarkdown } from './parse-markdown.ts';
import { parseText } from './parse-text.ts';
import { type ParsedDocument, splitIntoPassages } from './passages.ts';

/** The longest title kept, as the protocol's `NewKnowledgeDocument.title` allows. */
export const MAX_TITLE_CHARS = 300;

/** Raised when a body has no text to index: empty, only markup, only chrome. */
export class EmptyDocumentError extends Error {
  override name = 'EmptyDocumentError';

  constructor(source: string) {
    super(`"${source}" has no text to index`);
  }
}

/** What {@link prepareDocument} takes. */
export interface DocumentInput {
  tenant_id: string;
  /** Where it comes from: a URL or a path; unique per tenant. */
  source: string;
  /** The document as given. */
  body: string;
  format: DocumentFormat;
  /** Overrides the title the document names itself. */
  title?: string;
  /** The link shown to visitors; absent for `source` when that is a URL; null for none. */
  url?: string | null;
}

/**
 * Parses and splits a document. The title is `title`, else the one the document names (front
 * matter, first H1, `<title>`, a text's first line), else the source's file name without extension.
 *
 * @throws {DocumentTooComplexError} when the body is over a limit of `document-limits.ts`, before any parsing.
 * @throws {EmptyDocumentError} when the body yields no passage.
 * @example
 * const document = prepareDocument({
 *   tenant_id: 'acme',
 *   source: 'https://acme.example/faq',
 *   body: '<title>FAQ</title><main><h2>Hours</h2><p>9 to 5</p></main>',
 *   format: 'html',
 * });
 * // document.title === 'FAQ', document.url === 'https://acme.example/faq',
 * // document.passages → [{ heading: 'Hours', text: '9 to 5' }]
 */
export function prepareDocument(input: DocumentInput): NewDocument {
  checkDocumentLimits(input.body, input.format);
  const fileTitle = titleFromSource(input.source);
  const parsed = parseBody(input.body, input.format, fileTitle);
  const passages = splitIntoPassages(parsed.sections);
  if (!passages.length) throw new EmptyDocumentError(input.source);
  const title = input.title?.trim() || parsed.title || fileTitle || input.source;
  return {
    tenant_id: input.tenant_id,
    source: input.source,
    title: shorten(title, MAX_TITLE_CHARS),
    url: input.url !== undefined ? input.url : isHttpUrl(input.source) ? input.source : null,
    format: input.format,
    body: input.body,
    passages,
  };
}

function parseBody(body: string, format: DocumentFormat, fileTitle: string): ParsedDocument {
  switch (format) {
    case 'markdown':
      return parseMarkdown(body);
    case 'html':
      return parseHtml(body);
    case 'text':
      return parseText(body, fileTitle || undefined);
    default: {
      const unknown: never = format;
      throw new Error(`Unknown document format: ${String(unknown)}`);
    }
  }
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  return URL.canParse(value);
}

/**
 * The last part of a path or URL path without its extension ("docs/pricing.md" → "pricing");
 * for a URL with no path, its host. Empty when there is nothing to take.
 */
export function titleFromSource(source: string): string {
  let path = source;
  if (isHttpUrl(source)) {
    const url = new URL(source);
    path = decodeURIComponentSafely(url.pathname);
    if (!path.replace(/\//g, '')) return url.hostname;
  }
  // Either separator: a source may be a Windows path sent through the API.
  const name =
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function decodeURIComponentSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** At most `maxChars`, cut at a word when there is one in the last fifth, with an ellipsis. */
function shorten(text: string, maxChars: number): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (collapsed.length <= maxChars) return collapsed;
  const cut = collapsed.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars * 0.8 ? cut.slice(0, space) : cut}…`;
}

/**
 * Limits checked before a document reaches a parser. `marked` and `node-html-parser` recurse once
 * per nesting level and some of their steps grow faster than linearly with depth: 5000 nested `>`
 * overflow the stack, 12,000 unclosed `<div>` (60 KB) hold the event loop for seconds, 500 nested
 * list levels for two. Real documents nest a few levels, rarely a few dozen, so the limits below
 * refuse only hostile or broken input. The scan is one linear pass with no backtracking regexes,
 * so checking costs far less than parsing.
 */
import type { DocumentFormat } from '@miptech/protocol';

/** The largest body parsed, in characters (the loader's 5 MB page limit, as text). */
export const MAX_DOCUMENT_CHARS = 5_000_000;
/** Deepest HTML element nesting (open elements at once); real pages stay under ~40. */
export const MAX_HTML_DEPTH = 128;
/** Most Markdown containers a line opens: block quotes and list items (`> - > 1. >` is five). */
export const MAX_QUOTE_DEPTH = 16;
/** Widest Markdown indentation, in columns: 32 nested list levels at two spaces each. */
export const MAX_INDENT_COLUMNS = 64;
/** Longest run of emphasis or bracket characters, whose delimiter matching is costly in `marked`. */
export const MAX_DELIMITER_RUN = 256;

/** Raised when a document is over a limit; the message says which, for the 422 `document_too_complex`. */
export class DocumentTooComplexError extends Error {
  override name = 'DocumentTooComplexError';
}

/** HTML elements that never have content, so never nest. */
const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** Elements an opening of the same kind closes (`<p>a<p>b`, `<li>`s without `</li>`). */
const SELF_CLOSING_SIBLINGS = new Set(['p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option']);

/**
 * Throws when the document is over a limit. Markdown is checked for HTML nesting too, since its
 * HTML blocks go to the HTML parser.
 *
 * @throws {DocumentTooComplexError}
 * @example
 * checkDocumentLimits('>'.repeat(5000) + ' deep', 'markdown'); // throws: block quotes nested 5000 deep
 */
export function checkDocumentLimits(body: string, format: DocumentFormat): void {
  if (body.length > MAX_DOCUMENT_CHARS) {
    throw new DocumentTooComplexError(
      `the document has ${body.length} characters; the limit is ${MAX_DOCUMENT_CHARS}`,
    );
  }
  if (format === 'text') return;
  const depth = htmlDepth(body);
  if (depth > MAX_HTML_DEPTH) {
    throw new DocumentTooComplexError(
      `HTML elements are nested ${depth} deep; the limit is ${MAX_HTML_DEPTH}`,
    );
  }
  if (format === 'markdown') checkMarkdown(body);
}

/**
 * The most elements open at once, as a browser would count them for well-formed markup and an
 * over-estimate for broken markup: unclosed elements stay open, except the ones their next
 * sibling closes. Raw-text elements (`script`, `style`) are skipped whole.
 */
function htmlDepth(html: string): number {
  const open: string[] = [];
  const openCount = new Map<string, number>();
  let deepest = 0;
  const pop = (): void => {
    const name = open.pop();
    if (name !== undefined) openCount.set(name, (openCount.get(name) ?? 1) - 1);
  };
  let index = html.indexOf('<');
  while (index !== -1) {
    const end = html.indexOf('>', index + 1);
    if (end === -1) break;
    const closing = html.charCodeAt(index + 1) === 47; // '/'
    const name = tagName(html, closing ? index + 2 : index + 1);
    if (name && closing) {
      // A stray end tag closes nothing; a matching one closes everything opened inside it.
      if ((openCount.get(name) ?? 0) > 0) {
        while (open.length && open[open.length - 1] !== name) pop();
        pop();
      }
    } else if (name && !VOID_ELEMENTS.has(name) && html.charCodeAt(end - 1) !== 47) {
      if (name === 'script' || name === 'style') {
        const close = html.indexOf(`</${name}`, end);
        index = close === -1 ? -1 : html.indexOf('<', close + 2);
        continue;
      }
      if (SELF_CLOSING_SIBLINGS.has(name) && open[open.length - 1] === name) pop();
      open.push(name);
      openCount.set(name, (openCount.get(name) ?? 0) + 1);
      deepest = Math.max(deepest, open.length);
    }
    index = html.indexOf('<', end + 1);
  }
  return deepest;
}

/** The lower-case tag name at `start`, or '' when the `<` does not start a tag (`a < b`, `<!--`). */
function tagName(html: string, start: number): string {
  let end = start;
  while (end < html.length && end - start < 32) {
    const code = html.charCodeAt(end) | 0x20;
    const letter = code >= 97 && code <= 122;
    const digitOrDash = (html.charCodeAt(end) >= 48 && html.charCodeAt(end) <= 57) || html[end] === '-';
    if (!(letter || (end > start && digitOrDash))) break;
    end++;
  }
  return html.slice(start, end).toLowerCase();
}

function checkMarkdown(markdown: string): void {
  let lineStart = 0;
  let run = 0;
  let runChar = '';
  // Inside a fenced code block indentation is code, not nesting.
  let inFence = false;
  for (let index = 0; index <= markdown.length; index++) {
    const char = markdown[index];
    if (char === '\n' || index === markdown.length) {
      const fence = /^ {0,3}(?:```|~~~)/.test(markdown.slice(lineStart, Math.min(index, lineStart + 8)));
      if (fence) inFence = !inFence;
      else if (!inFence) checkLine(markdown, lineStart, index);
      lineStart = index + 1;
    }
    if (char === '*' || char === '_' || char === '[' || char === ']' || char === '~' || char === '`') {
      run = char === runChar ? run + 1 : 1;
      runChar = char;
      if (run > MAX_DELIMITER_RUN) {
        throw new DocumentTooComplexError(
          `a run of more than ${MAX_DELIMITER_RUN} "${char}" characters; the limit is ${MAX_DELIMITER_RUN}`,
        );
      }
    } else if (char !== ' ') {
      run = 0;
      runChar = '';
    }
  }
}

/**
 * A line's indentation and the containers it opens at its start: block quotes (`> > >`, `>>>`)
 * and list items (`- `, `* `, `+ `, `1. `, `1) `), which nest in each other on a single line.
 */
function checkLine(markdown: string, start: number, end: number): void {
  let columns = 0;
  let containers = 0;
  let index = start;
  while (index < end) {
    const char = markdown[index];
    if (char === ' ' || char === '\t') {
      if (!containers) columns += char === '\t' ? 4 : 1;
      index++;
    } else if (char === '>') {
      containers++;
      index++;
    } else if ((char === '-' || char === '*' || char === '+') && isSpace(markdown[index + 1])) {
      containers++;
      index += 2;
    } else {
      let digits = index;
      while (
        digits < end &&
        digits - index < 9 &&
        markdown.charCodeAt(digits) >= 48 &&
        markdown.charCodeAt(digits) <= 57
      )
        digits++;
      const marker = markdown[digits];
      if (digits === index || (marker !== '.' && marker !== ')') || !isSpace(markdown[digits + 1])) break;
      containers++;
      index = digits + 2;
    }
  }
  // `- - - -` and `* * * *` are a thematic break, not lists.
  if (containers > MAX_QUOTE_DEPTH && !/^[\s*_-]*$/.test(markdown.slice(start, end))) {
    throw new DocumentTooComplexError(
      `a line opens ${containers} nested block quotes or list items; the limit is ${MAX_QUOTE_DEPTH}`,
    );
  }
  if (columns > MAX_INDENT_COLUMNS) {
    throw new DocumentTooComplexError(
      `a line is indented ${columns} columns (lists nested too deep); the limit is ${MAX_INDENT_COLUMNS}`,
    );
  }
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

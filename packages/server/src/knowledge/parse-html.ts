/**
 * HTML → sections of plain text. A web page is mostly chrome (menus, banners, cookie notices,
 * footers); only its content belongs in the knowledge base, or every passage would match "home",
 * "contact" and "privacy". So the chrome is dropped, `<main>` or a lone `<article>` is preferred,
 * and the rest is read as a person would: headings start sections, blocks become paragraphs.
 */
import { type HTMLElement, type Node, NodeType, parse, TextNode } from 'node-html-parser';
import type { ParsedDocument, Section } from './passages.ts';

/** Elements that are never content. */
const CHROME_SELECTOR = [
  'script',
  'style',
  'noscript',
  'nav',
  'aside',
  'form',
  'iframe',
  'svg',
  'template',
  '[role=navigation]',
  '[role=banner]',
  '[role=contentinfo]',
  '[aria-hidden=true]',
  '[hidden]',
].join(', ');

/** Sections start at these; h5 and h6 are too fine-grained and read as a paragraph. */
const SECTION_HEADINGS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4 };

/** Elements that end a paragraph: text on either side of one is never run together. */
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'blockquote',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'main',
  'p',
  'section',
  'summary',
]);

/**
 * Parses a page into its title and sections.
 *
 * @example
 * parseHtml('<title>FAQ</title><nav>Home</nav><main><h2>Hours</h2><p>9&ndash;5</p></main>');
 * // → { title: 'FAQ', sections: [{ headings: ['Hours'], text: '9–5' }] }
 */
export function parseHtml(html: string): ParsedDocument {
  // Script and style hold raw text that must not be parsed as markup; `pre` is parsed, so that
  // the code inside a `<pre><code>` reads as text rather than as tags.
  const root = parse(html.replace(/<!doctype[^>]*>/gi, ''), {
    blockTextElements: { script: true, style: true, noscript: true },
  });
  const pageTitle = collapse(root.querySelector('title')?.text ?? '');
  for (const element of root.querySelectorAll(CHROME_SELECTOR)) element.remove();
  // A page's <header> and <footer> are its banner and footer; inside an article or a section they
  // are that part's own (its title, its byline), as ARIA maps them, and are kept.
  for (const element of root.querySelectorAll('header, footer')) {
    if (!element.closest('article, main, section')) element.remove();
  }
  const articles = root.querySelectorAll('article');
  const content =
    root.querySelector('main') ??
    (articles.length === 1 ? articles[0] : undefined) ??
    root.querySelector('body') ??
    root;
  const firstHeading = collapse(content.querySelector('h1')?.text ?? '');
  const reader = new SectionReader();
  reader.read(content);
  return { title: pageTitle || firstHeading || undefined, sections: reader.finish() };
}

/** Decodes HTML character references (`&amp;`, `&eacute;`, `&#8212;`) in plain text. */
export function decodeEntities(text: string): string {
  return text.includes('&') ? new TextNode(text).text : text;
}

/** Whitespace (non-breaking spaces too) collapsed to single spaces, trimmed. */
function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Walks the content once, building sections block by block and line by line. */
class SectionReader {
  readonly #sections: Section[] = [];
  #headings: Array<{ level: number; text: string }> = [];
  #blocks: string[] = [];
  #lines: string[] = [];
  #inline = '';
  /** What the current line starts with: a list marker, or the indentation under one. */
  #linePrefix = '';
  #listDepth = 0;

  read(element: HTMLElement): void {
    for (const child of element.childNodes) this.#readNode(child);
  }

  finish(): Section[] {
    this.#endSection();
    return this.#sections;
  }

  #readNode(node: Node): void {
    if (node.nodeType === NodeType.TEXT_NODE) {
      this.#inline += node.text.replace(/[\s\u00a0]+/g, ' ');
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const element = node as HTMLElement;
    const tag = element.tagName?.toLowerCase() ?? '';
    const level = SECTION_HEADINGS[tag];
    if (level !== undefined) {
      this.#startSection(level, collapse(element.text));
    } else if (tag === 'br') {
      this.#endLine();
    } else if (tag === 'pre') {
      this.#endBlock();
      const code = element.text.replace(/^\n/, '').trimEnd();
      if (code.trim()) this.#blocks.push(code);
    } else if (tag === 'ul' || tag === 'ol') {
      this.#readList(element, tag === 'ol');
    } else if (tag === 'table') {
      this.#readTable(element);
    } else if (BLOCK_ELEMENTS.has(tag)) {
      // Inside a list item a paragraph is another line of the item, not a new block.
      if (this.#listDepth > 0) this.#endLine();
      else this.#endBlock();
      this.read(element);
      if (this.#listDepth > 0) this.#endLine();
      else this.#endBlock();
    } else {
      this.read(element);
    }
  }

  #readList(list: HTMLElement, ordered: boolean): void {
    if (this.#listDepth === 0) this.#endBlock();
    else this.#endLine();
    const indent = '  '.repeat(this.#listDepth);
    this.#listDepth++;
    let number = Number(list.getAttribute('start') ?? '1') || 1;
    for (const item of list.childNodes) {
      const tag = item.nodeType === NodeType.ELEMENT_NODE ? (item as HTMLElement).tagName.toLowerCase() : '';
      if (tag !== 'li') {
        if (tag) this.#readNode(item);
        continue;
      }
      this.#endLine();
      this.#linePrefix = `${indent}${ordered ? `${number++}.` : '-'} `;
      this.read(item as HTMLElement);
      this.#endLine();
    }
    this.#listDepth--;
    this.#linePrefix = '';
    if (this.#listDepth === 0) this.#endBlock();
  }

  #readTable(table: HTMLElement): void {
    this.#endBlock();
    for (const row of table.querySelectorAll('tr')) {
      const cells = row.childNodes
        .filter((cell) => cell.nodeType === NodeType.ELEMENT_NODE)
        .map((cell) => collapse(cell.text));
      if (cells.some(Boolean)) this.#lines.push(cells.join(' | '));
    }
    this.#endBlock();
  }

  #endLine(): void {
    const line = collapse(this.#inline);
    this.#inline = '';
    if (!line) return;
    this.#lines.push(`${this.#linePrefix}${line}`);
    // Further lines of the same item line up under its text.
    this.#linePrefix = ' '.repeat(this.#linePrefix.length);
  }

  #endBlock(): void {
    this.#endLine();
    if (this.#lines.length) this.#blocks.push(this.#lines.join('\n'));
    this.#lines = [];
  }

  #startSection(level: number, heading: string): void {
    this.#endSection();
    this.#headings = this.#headings.filter((entry) => entry.level < level);
    if (heading) this.#headings.push({ level, text: heading });
  }

  #endSection(): void {
    this.#endBlock();
    const text = this.#blocks.join('\n\n').trim();
    if (text) this.#sections.push({ headings: this.#headings.map((entry) => entry.text), text });
    this.#blocks = [];
  }
}

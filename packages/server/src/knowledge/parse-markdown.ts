/**
 * Markdown → sections of plain text, using `marked`'s lexer for the structure. The text is what a
 * reader sees, not the source: `**bold**` reads "bold", a link reads as its text, a table as rows
 * of "a | b". Markers would only add noise to search and to what a model is shown.
 */
import { lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import { cleanMdx } from './clean-mdx.ts';
import { decodeEntities, parseHtml } from './parse-html.ts';
import type { ParsedDocument, Section } from './passages.ts';

/** YAML front matter: `---` on the first line, up to the next `---` or `...` line. */
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/**
 * Parses Markdown into its title (front matter `title:`, else the first H1) and its sections,
 * one per heading.
 *
 * @example
 * parseMarkdown('# Guide\n\nIntro.\n\n## Install\n\n- run `npm i`');
 * // → { title: 'Guide', sections: [
 * //     { headings: ['Guide'], text: 'Intro.' },
 * //     { headings: ['Guide', 'Install'], text: '- run npm i' }] }
 */
export function parseMarkdown(markdown: string): ParsedDocument {
  const frontMatter = FRONT_MATTER.exec(markdown);
  const body = frontMatter ? markdown.slice(frontMatter[0].length) : markdown;
  let title = frontMatter ? frontMatterTitle(frontMatter[1] ?? '') : undefined;

  const sections: Section[] = [];
  let headings: Array<{ depth: number; text: string }> = [];
  let blocks: string[] = [];
  const endSection = (): void => {
    const text = blocks.join('\n\n').trim();
    if (text) sections.push({ headings: headings.map((heading) => heading.text), text });
    blocks = [];
  };

  // Without extensions, every token the lexer makes is one of marked's own.
  // MDX's imports, components and admonition fences are program, not prose (`clean-mdx.ts`).
  for (const token of lexer(cleanMdx(body)) as MarkedToken[]) {
    if (token.type === 'heading') {
      endSection();
      const text = inlineText(token.tokens).replace(/\s+/g, ' ').trim();
      if (token.depth === 1 && title === undefined && text) title = text;
      headings = headings.filter((heading) => heading.depth < token.depth);
      if (text) headings.push({ depth: token.depth, text });
      continue;
    }
    const block = blockText(token);
    if (block) blocks.push(block);
  }
  endSection();
  return { title, sections };
}

/** The `title:` of YAML front matter, unquoted; a full YAML parser is not worth one field. */
function frontMatterTitle(yaml: string): string | undefined {
  const match = /^title:[ \t]*(.+?)[ \t]*$/m.exec(yaml);
  if (!match?.[1]) return undefined;
  const value = match[1].replace(/^(["'])(.*)\1$/, '$2').trim();
  return value || undefined;
}

/** A block as plain text; empty for blocks that carry none (spacing, rules, link definitions). */
function blockText(token: MarkedToken): string {
  switch (token.type) {
    case 'paragraph':
      return inlineText(token.tokens).trim();
    case 'text':
      return inlineText(token.tokens ?? [token]).trim();
    case 'code':
      return token.text.replace(/\s+$/, '');
    case 'list':
      return listLines(token, 0).join('\n');
    case 'table':
      return tableLines(token).join('\n');
    case 'blockquote':
      return blocksText(token.tokens);
    case 'html':
      return htmlText(token.text);
    case 'heading':
      return inlineText(token.tokens).trim();
    default:
      return '';
  }
}

function blocksText(tokens: Token[]): string {
  return (tokens as MarkedToken[]).map(blockText).filter(Boolean).join('\n\n');
}

/** "- item" lines, nested lists indented two spaces a level, ordered ones numbered. */
function listLines(list: Tokens.List, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const lines: string[] = [];
  let number = typeof list.start === 'number' ? list.start : 1;
  for (const item of list.items) {
    const marker = `${indent}${list.ordered ? `${number++}.` : '-'} `;
    const itemLines: string[] = [];
    for (const token of item.tokens as MarkedToken[]) {
      if (token.type === 'list') {
        itemLines.push(...listLines(token, depth + 1));
        continue;
      }
      const text = token.type === 'checkbox' ? '' : blockText(token);
      if (text) itemLines.push(...text.split('\n').map((line) => `${indent}  ${line}`));
    }
    const [first, ...rest] = itemLines;
    // The first line of the item carries its marker in place of the indentation.
    lines.push(first === undefined ? marker.trimEnd() : `${marker}${first.slice(indent.length + 2)}`);
    lines.push(...rest);
  }
  return lines;
}

function tableLines(table: Tokens.Table): string[] {
  const row = (cells: Tokens.TableCell[]): string =>
    cells.map((cell) => inlineText(cell.tokens).replace(/\s+/g, ' ').trim()).join(' | ');
  return [table.header, ...table.rows].map(row).filter((line) => line.replace(/[\s|]/g, ''));
}

/** Inline tokens as text: markers dropped, links and images as their text, entities decoded. */
function inlineText(tokens: Token[]): string {
  let text = '';
  for (const token of tokens as MarkedToken[]) {
    switch (token.type) {
      case 'text':
        // A soft line break inside a paragraph is a space to a reader.
        text += token.tokens
          ? inlineText(token.tokens)
          : decodeEntities(token.text).replace(/[ \t]*\n[ \t]*/g, ' ');
        break;
      case 'strong':
      case 'em':
      case 'del':
      case 'link':
        text += inlineText(token.tokens);
        break;
      case 'image':
        text += token.text;
        break;
      case 'codespan':
      case 'escape':
        text += token.text;
        break;
      case 'br':
        text += '\n';
        break;
      case 'html':
        text += /^<br\s*\/?>$/i.test(token.text) ? '\n' : '';
        break;
      default:
        break;
    }
  }
  return text;
}

/** The text of an HTML block, through the HTML parser so that tags and comments go. */
function htmlText(html: string): string {
  return parseHtml(html)
    .sections.map((section) => section.text)
    .join('\n\n');
}

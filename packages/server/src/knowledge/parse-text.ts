/**
 * Plain text → sections. Text has no markup to trust, so the only structure read is the common
 * one: a short first line standing alone is a title, and blank lines separate paragraphs.
 */
import type { ParsedDocument } from './passages.ts';

/** A first line longer than this is prose, not a title. */
const MAX_TITLE_CHARS = 100;

/**
 * Parses plain text. The title is the first non-empty line when it is short and a paragraph of
 * its own (a wrapped paragraph's first line is not a title), else `fallbackTitle`; the rest of the
 * text becomes one section under that title.
 *
 * @example
 * parseText('Opening hours\n\nMonday to Friday, 9 to 5.\n\nClosed on holidays.');
 * // → { title: 'Opening hours',
 * //     sections: [{ headings: ['Opening hours'], text: 'Monday to Friday, 9 to 5.\n\nClosed on holidays.' }] }
 */
export function parseText(text: string, fallbackTitle?: string): ParsedDocument {
  const paragraphs = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/[ \t]+$/gm, '').replace(/^\n+|\n+$/g, ''))
    .filter((paragraph) => paragraph.trim());
  const [first, ...rest] = paragraphs;
  if (first === undefined) return { title: fallbackTitle, sections: [] };

  const candidate = first.trim();
  const isTitle = !candidate.includes('\n') && candidate.length <= MAX_TITLE_CHARS;
  if (!isTitle) return { title: fallbackTitle, sections: [{ headings: [], text: paragraphs.join('\n\n') }] };
  // A file that is only a title still has that line as its text: it is all there is to find.
  if (!rest.length) return { title: candidate, sections: [{ headings: [], text: candidate }] };
  return { title: candidate, sections: [{ headings: [candidate], text: rest.join('\n\n') }] };
}

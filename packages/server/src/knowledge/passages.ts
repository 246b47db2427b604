/**
 * Splits a parsed document into the passages retrieval works on. A passage is what a reply cites
 * and what a model reads, so it should be one idea with its headings: a section when it fits,
 * a few of its paragraphs when it does not, several tiny sibling sections when each alone is too
 * thin to be found. Pure and deterministic: the same sections always give the same passages, so
 * re-ingesting an unchanged document stores nothing new.
 */
import type { NewPassage } from '../storage/knowledge-store.ts';

/** One stretch of a document under the same headings. */
export interface Section {
  /** The headings above it, outermost first; empty before the first heading. */
  headings: string[];
  /** Plain text: blocks separated by a blank line, lines within a block by a newline. */
  text: string;
}

/** What every parser (`parse-markdown.ts`, `parse-html.ts`, `parse-text.ts`) returns. */
export interface ParsedDocument {
  /** The document's own title, if it names one. */
  title: string | undefined;
  /** The sections in document order; none has empty text. */
  sections: Section[];
}

/** The longest passage, in characters: a few paragraphs, well within any model's context per hit. */
export const MAX_PASSAGE_CHARS = 900;

/** A passage shorter than this is merged with the next one under the same parent heading. */
export const MIN_PASSAGE_CHARS = 80;

/** How the headings of a passage are shown: "Pricing › Plans". */
export const HEADING_SEPARATOR = ' › ';

/**
 * Boundaries to cut at, best first. Each matches the separator that ends a piece; the separator
 * stays with the piece before it, so a cut never loses a character.
 */
const BOUNDARIES: RegExp[] = [
  // Paragraphs.
  /\n[ \t]*\n\s*/g,
  // Sentences and lines (a list item, a table row).
  /[.!?…]+["'”’)\]]*\s+|\n\s*/g,
  // Words.
  /\s+/g,
];

interface Draft {
  path: string[];
  text: string;
}

/**
 * The passages of a document, in order.
 *
 * @example
 * splitIntoPassages([{ headings: ['Pricing', 'Plans'], text: 'Basic costs 10 € a month.' }]);
 * // → [{ heading: 'Pricing › Plans', text: 'Basic costs 10 € a month.' }]
 */
export function splitIntoPassages(sections: Section[], maxChars = MAX_PASSAGE_CHARS): NewPassage[] {
  const drafts: Draft[] = [];
  for (const section of sections) {
    for (const text of splitText(section.text.trim(), maxChars))
      drafts.push({ path: section.headings, text });
  }
  return mergeTinyDrafts(drafts, maxChars).map((draft) => ({
    heading: draft.path.join(HEADING_SEPARATOR),
    text: draft.text,
  }));
}

/** `text` cut into pieces of at most `maxChars`, at the best boundary that makes them fit. */
export function splitText(text: string, maxChars: number, level = 0): string[] {
  if (!text) return [];
  if (text.length <= maxChars) return [text];
  const boundary = BOUNDARIES[level];
  // A single word longer than a passage (a data URL, a hash): the one place a cut is mid-word.
  if (!boundary) return hardSplit(text, maxChars);
  const chunks: string[] = [];
  let current = '';
  for (const piece of piecesOf(text, boundary)) {
    if ((current + piece).trim().length <= maxChars) {
      current += piece;
      continue;
    }
    if (current.trim()) chunks.push(current.trim());
    current = '';
    if (piece.trim().length > maxChars) chunks.push(...splitText(piece.trim(), maxChars, level + 1));
    else current = piece;
  }
  if (current.trim()) chunks.push(current.trim());
  return chunks;
}

function piecesOf(text: string, boundary: RegExp): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (end > start) {
      pieces.push(text.slice(start, end));
      start = end;
    }
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

function hardSplit(text: string, maxChars: number): string[] {
  const chunks: string[] = [];
  // By code point, so that an emoji or other astral character is never cut in half.
  const characters = Array.from(text);
  for (let start = 0; start < characters.length; start += maxChars) {
    chunks.push(characters.slice(start, start + maxChars).join(''));
  }
  return chunks;
}

/**
 * Folds each passage shorter than {@link MIN_PASSAGE_CHARS} into the next one when that one sits
 * under the same parent heading and the two fit together. A one-line section ("Phone: 555-0100")
 * is hard to find alone; beside its siblings it keeps its context.
 */
function mergeTinyDrafts(drafts: Draft[], maxChars: number): Draft[] {
  const merged: Draft[] = [];
  for (const draft of drafts) {
    const previous = merged.at(-1);
    if (previous && previous.text.length < MIN_PASSAGE_CHARS && sharesParent(previous.path, draft.path)) {
      const candidate = mergeDrafts(previous, draft);
      if (candidate.text.length <= maxChars) {
        merged[merged.length - 1] = candidate;
        continue;
      }
    }
    merged.push(draft);
  }
  return merged;
}

/** True when `next` is a sibling of `path`, or below one: they share `path`'s parent. */
function sharesParent(path: string[], next: string[]): boolean {
  return commonPrefix(path, next).length >= path.length - 1;
}

/**
 * The two under their common headings; the headings each had beyond those become a line at the
 * start of its text, so no heading's words are lost to search.
 */
function mergeDrafts(first: Draft, second: Draft): Draft {
  const path = commonPrefix(first.path, second.path);
  const label = (draft: Draft): string => {
    const extra = draft.path.slice(path.length);
    return extra.length ? `${extra.join(HEADING_SEPARATOR)}\n${draft.text}` : draft.text;
  };
  return { path, text: `${label(first)}\n\n${label(second)}` };
}

function commonPrefix(first: string[], second: string[]): string[] {
  let length = 0;
  while (length < first.length && length < second.length && first[length] === second[length]) length++;
  return first.slice(0, length);
}

/**
 * Parser limits: hostile nesting is refused with the coded error before any parser runs, and
 * nothing a document nests can make parsing throw anything else (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDocumentLimits,
  DocumentTooComplexError,
  MAX_HTML_DEPTH,
  MAX_INDENT_COLUMNS,
  MAX_QUOTE_DEPTH,
} from './document-limits.ts';
import { EmptyDocumentError, prepareDocument } from './prepare-document.ts';

const prepare = (body: string, format: 'markdown' | 'html' | 'text') =>
  prepareDocument({ tenant_id: 't', source: 'hostile.md', body, format });

describe('checkDocumentLimits', () => {
  it.each([
    ['5000 nested block quotes', `${'>'.repeat(5000)} deep`, 'markdown'],
    ['spaced block quotes', `${'> '.repeat(MAX_QUOTE_DEPTH + 1)}deep`, 'markdown'],
    ['12,000 unclosed <div>', `${'<div>'.repeat(12_000)}deep`, 'html'],
    [
      'nested <div> closed at the end',
      `${'<div>'.repeat(MAX_HTML_DEPTH + 1)}x${'</div>'.repeat(MAX_HTML_DEPTH + 1)}`,
      'html',
    ],
    ['nested <div> inside Markdown', `<div>\n${'<div>'.repeat(6000)}x\n</div>`, 'markdown'],
    [
      'lists nested too deep',
      Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}- item`).join('\n'),
      'markdown',
    ],
    ['a run of brackets', `${'['.repeat(5000)}x`, 'markdown'],
  ] as const)('refuses %s before parsing, with the reason', (_name, body, format) => {
    expect(() => checkDocumentLimits(body, format)).toThrow(DocumentTooComplexError);
    expect(() => prepare(body, format)).toThrow(/the limit is \d+/);
  });

  it('accepts what real documents do: a few levels of nesting, <p> and <li> left open, code indented in fences', () => {
    const html = `<main>${'<div>'.repeat(40)}<ul>${'<li>item'.repeat(500)}</ul>${'<p>para'.repeat(500)}${'</div>'.repeat(40)}<br><img src=x></main>`;
    expect(() => checkDocumentLimits(html, 'html')).not.toThrow();
    const markdown = [
      '> quoted\n>> twice',
      Array.from({ length: 10 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n'),
      '```json',
      `${' '.repeat(MAX_INDENT_COLUMNS + 20)}"deep": true`,
      '```',
      '**bold** and _emphasis_ and [link](https://example.com)',
    ].join('\n\n');
    expect(() => checkDocumentLimits(markdown, 'markdown')).not.toThrow();
    expect(prepare(markdown, 'markdown').passages.length).toBeGreaterThan(0);
    // Plain text is never parsed for structure, so nesting characters are just text.
    expect(() => checkDocumentLimits('>'.repeat(5000), 'text')).not.toThrow();
  });

  it('hostile nesting never makes preparing a document throw anything but the coded errors', () => {
    const fragment = fc.constantFrom(
      '>',
      '> ',
      '<div>',
      '</div>',
      '<p>',
      '<li>',
      '<blockquote>',
      '- ',
      '1. ',
      '  ',
      '\t',
      '\n',
      '[',
      ']',
      '(',
      '*',
      '_',
      '`',
      '```\n',
      '<',
      'text ',
      '# ',
    );
    // Long repetitions of a few fragments: how nesting attacks are built.
    const hostile = fc
      .array(
        fc.tuple(fc.array(fragment, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3000 })),
        {
          minLength: 1,
          maxLength: 3,
        },
      )
      .map((parts) => parts.map(([pieces, times]) => pieces.join('').repeat(times)).join(''));
    fc.assert(
      fc.property(
        hostile,
        fc.constantFrom('markdown', 'html') as fc.Arbitrary<'markdown' | 'html'>,
        (body, format) => {
          try {
            prepare(body, format);
          } catch (error) {
            if (!(error instanceof DocumentTooComplexError || error instanceof EmptyDocumentError))
              throw error;
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanMdx, looksLikeMdx } from './clean-mdx.ts';
import { parseMarkdown } from './parse-markdown.ts';

/** Every word a reader of the parsed document sees: title, headings and text. */
function visibleWords(markdown: string): string[] {
  const parsed = parseMarkdown(markdown);
  const text = [
    parsed.title ?? '',
    ...parsed.sections.flatMap((section) => [...section.headings, section.text]),
  ];
  return (
    text
      .join(' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

const DOCUSAURUS_PAGE = `---
title: Billing
---
import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';
export const plans = {
  basic: 10,
};

# Billing

{/* internal: keep in sync with the pricing page */}

Invoices are sent on the first day of each month.

:::tip[Save with yearly plans]
A yearly plan costs ten months.
:::

<Tabs>
  <TabItem value="card" label="Card">

Pay by card from the Billing page.

  </TabItem>
</Tabs>

<!-- TODO: document bank transfers -->

\`\`\`js
import { pay } from '@acme/sdk';
\`\`\`
`;

describe('cleanMdx', () => {
  it('drops imports, exports, components, expressions and comments, and keeps admonition text', () => {
    const parsed = parseMarkdown(DOCUSAURUS_PAGE);
    const text = parsed.sections.map((section) => section.text).join('\n');
    expect(parsed.title).toBe('Billing');
    expect(text).toContain('Invoices are sent on the first day of each month.');
    expect(text).toContain('Save with yearly plans');
    expect(text).toContain('A yearly plan costs ten months.');
    expect(text).toContain('Pay by card from the Billing page.');
    for (const noise of [
      '@theme/Tabs',
      'TabItem',
      'export',
      'plans =',
      'internal:',
      ':::',
      'TODO',
      'label=',
    ]) {
      expect(text).not.toContain(noise);
    }
    // A code fence is the author's example, left as written.
    expect(text).toContain("import { pay } from '@acme/sdk';");
  });

  it('turns VitePress admonitions with a title into plain paragraphs', () => {
    const cleaned = cleanMdx('Intro.\n\n::: warning No Guaranteed Response Time\nThere is none.\n:::\n');
    const parsed = parseMarkdown(cleaned);
    expect(parsed.sections[0]?.text).toBe('Intro.\n\nNo Guaranteed Response Time\n\nThere is none.');
  });

  it('removes an HTML comment that spans blank lines', () => {
    const parsed = parseMarkdown('# Shares\n\n<!--\n@TODO\n\nCreate a :::tip\n-->\n\nShares are read-only.');
    expect(parsed.sections[0]?.text).toBe('Shares are read-only.');
  });

  it('keeps braces in plain Markdown, where they are text', () => {
    expect(looksLikeMdx('Use {NPM_TOKEN} in .npmrc: `{ "a": 1 }`.')).toBe(false);
    expect(parseMarkdown('Use {NPM_TOKEN} in your file.').sections[0]?.text).toBe(
      'Use {NPM_TOKEN} in your file.',
    );
  });

  it('loses no visible word of plain Markdown', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);
    const inline = fc
      .tuple(fc.constantFrom('', '**', '_', '`'), fc.array(word, { minLength: 1, maxLength: 6 }))
      .map(([mark, words]) => `${mark}${words.join(' ')}${mark}`);
    const block = fc.oneof(
      fc.array(inline, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' ')),
      fc
        .array(inline, { minLength: 1, maxLength: 3 })
        .map((items) => items.map((item) => `- ${item}`).join('\n')),
      fc
        .array(inline, { minLength: 1, maxLength: 3 })
        .map((items) => items.map((item, index) => `${index + 1}. ${item}`).join('\n')),
      // A heading with nothing under it makes no section: give it a paragraph.
      fc.tuple(inline, inline).map(([heading, text]) => `## ${heading}\n\n${text}`),
      inline.map((text) => `> ${text}`),
      fc.tuple(word, word).map(([name, value]) => `Set {${name}} to ${value} (${name}: ${value}).`),
    );
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), (blocks) => {
        const markdown = blocks.join('\n\n');
        const expected = markdown.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
        const seen = new Set(visibleWords(markdown));
        expect(expected.filter((item) => !seen.has(item))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

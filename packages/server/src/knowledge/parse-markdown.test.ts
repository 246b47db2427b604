import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './parse-markdown.ts';

describe('parseMarkdown', () => {
  it('takes the title from the first H1 and splits sections along the heading path', () => {
    const parsed = parseMarkdown(
      [
        'Before any heading.',
        '# Guide',
        'Intro.',
        '## Install',
        'Run it.',
        '### On Linux',
        'Use apt.',
        '## Configure',
        'Edit the file.',
        '# Second top heading',
        'More.',
      ].join('\n\n'),
    );
    expect(parsed.title).toBe('Guide');
    expect(parsed.sections).toEqual([
      { headings: [], text: 'Before any heading.' },
      { headings: ['Guide'], text: 'Intro.' },
      { headings: ['Guide', 'Install'], text: 'Run it.' },
      { headings: ['Guide', 'Install', 'On Linux'], text: 'Use apt.' },
      { headings: ['Guide', 'Configure'], text: 'Edit the file.' },
      // A later H1 replaces the whole path, and does not replace the title.
      { headings: ['Second top heading'], text: 'More.' },
    ]);
  });

  it('prefers the front-matter title and strips the front matter from the text', () => {
    const parsed = parseMarkdown('---\nlayout: page\ntitle: "Pricing & plans"\n---\n# Heading\n\nBody.');
    expect(parsed.title).toBe('Pricing & plans');
    expect(parsed.sections).toEqual([{ headings: ['Heading'], text: 'Body.' }]);
    expect(JSON.stringify(parsed.sections)).not.toContain('layout');
  });

  it('reads inline markup as its text: emphasis, links, code spans, images, escapes, entities', () => {
    const parsed = parseMarkdown(
      'Call **us** at [our *office*](https://x.example) or run `a && b`, see ![the map](m.png). \\*Not emphasis\\* &amp; caf&eacute;\nsoft break.',
    );
    expect(parsed.sections[0]?.text).toBe(
      'Call us at our office or run a && b, see the map. *Not emphasis* & café soft break.',
    );
  });

  it('keeps headings without their markers', () => {
    expect(parseMarkdown('## The *Pro* plan\n\nText.').sections[0]?.headings).toEqual(['The Pro plan']);
  });

  it('writes lists as "- item" lines, nested and numbered, and tables as "a | b" rows', () => {
    const parsed = parseMarkdown(
      [
        '- one',
        '- **two**',
        '  - nested',
        '',
        '3. third',
        '4. fourth',
        '',
        '| Plan | Price |',
        '|------|-------|',
        '| Basic | 10 € |',
      ].join('\n'),
    );
    expect(parsed.sections[0]?.text).toBe(
      ['- one\n- two\n  - nested', '3. third\n4. fourth', 'Plan | Price\nBasic | 10 €'].join('\n\n'),
    );
  });

  it('keeps code blocks as they are, entities and indentation included', () => {
    const parsed = parseMarkdown('```sh\nif [ -f a ]; then\n  echo &amp;\nfi\n```');
    expect(parsed.sections[0]?.text).toBe('if [ -f a ]; then\n  echo &amp;\nfi');
  });

  it('reads HTML blocks as text and drops comments and link definitions', () => {
    const parsed = parseMarkdown(
      '<!-- draft -->\n\n<div class="note">Note &amp; <b>warning</b></div>\n\n[ref]: https://x.example',
    );
    expect(parsed.sections).toEqual([{ headings: [], text: 'Note & warning' }]);
  });

  it('has no title when there is neither front matter nor an H1, and no sections for no text', () => {
    expect(parseMarkdown('## Only a subheading\n\nText.').title).toBeUndefined();
    expect(parseMarkdown('# Title only\n\n---\n').sections).toEqual([]);
    expect(parseMarkdown('').sections).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { EmptyDocumentError, MAX_TITLE_CHARS, prepareDocument, titleFromSource } from './prepare-document.ts';

const BASE = { tenant_id: 'acme' };

describe('prepareDocument', () => {
  it('parses Markdown into passages and keeps the body as given', () => {
    const body = '# Pricing\n\nThe **Basic** plan costs 10 € a month and suits a small team.\n';
    expect(prepareDocument({ ...BASE, source: 'docs/pricing.md', body, format: 'markdown' })).toEqual({
      tenant_id: 'acme',
      source: 'docs/pricing.md',
      title: 'Pricing',
      url: null,
      format: 'markdown',
      body,
      passages: [{ heading: 'Pricing', text: 'The Basic plan costs 10 € a month and suits a small team.' }],
    });
  });

  it('picks the parser by format', () => {
    const html = prepareDocument({
      ...BASE,
      source: 'https://acme.example/faq',
      body: '<title>FAQ</title><nav>Home</nav><main><h2>Hours</h2><p>Nine&ndash;five</p></main>',
      format: 'html',
    });
    expect(html.passages).toEqual([{ heading: 'Hours', text: 'Nine–five' }]);
    const text = prepareDocument({
      ...BASE,
      source: 'notes.txt',
      body: '# not a heading\n\nplain',
      format: 'text',
    });
    expect(text.passages).toEqual([{ heading: '# not a heading', text: 'plain' }]);
  });

  it('takes the given title first, then the parsed one, then the file name without extension', () => {
    const body = '# Parsed title\n\nSome text here.';
    expect(
      prepareDocument({ ...BASE, source: 'a/b.md', body, format: 'markdown', title: ' Given ' }).title,
    ).toBe('Given');
    expect(prepareDocument({ ...BASE, source: 'a/b.md', body, format: 'markdown' }).title).toBe(
      'Parsed title',
    );
    expect(
      prepareDocument({ ...BASE, source: 'a/opening-hours.md', body: 'Text only.', format: 'markdown' })
        .title,
    ).toBe('opening-hours');
    expect(
      prepareDocument({ ...BASE, source: 'https://acme.example/', body: '<p>Hello</p>', format: 'html' })
        .title,
    ).toBe('acme.example');
  });

  it('shortens an over-long title to the protocol limit', () => {
    const title = prepareDocument({
      ...BASE,
      source: 'long.md',
      body: `# ${'word '.repeat(100)}\n\nText.`,
      format: 'markdown',
    }).title;
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title).toMatch(/^word( word)*…$/);
  });

  it('links to the source when it is an http(s) URL, unless told otherwise', () => {
    const page = { ...BASE, source: 'https://acme.example/faq', body: 'Text.', format: 'text' as const };
    expect(prepareDocument(page).url).toBe('https://acme.example/faq');
    expect(prepareDocument({ ...page, url: 'https://acme.example/help' }).url).toBe(
      'https://acme.example/help',
    );
    expect(prepareDocument({ ...page, url: null }).url).toBeNull();
    expect(prepareDocument({ ...page, source: 'ftp://acme.example/faq' }).url).toBeNull();
    expect(prepareDocument({ ...page, source: 'docs/faq.txt' }).url).toBeNull();
  });

  it('throws EmptyDocumentError when the body has no text', () => {
    for (const [body, format] of [
      ['', 'markdown'],
      ['# \n\n---\n', 'markdown'],
      ['<nav>Home</nav><script>x()</script>', 'html'],
      ['  \n\n  ', 'text'],
    ] as const) {
      expect(() => prepareDocument({ ...BASE, source: 'empty', body, format })).toThrow(EmptyDocumentError);
    }
    expect(() => prepareDocument({ ...BASE, source: 'docs/empty.md', body: '', format: 'markdown' })).toThrow(
      '"docs/empty.md" has no text to index',
    );
  });
});

describe('titleFromSource', () => {
  it('takes the last path part without its extension, from paths and URLs', () => {
    expect(titleFromSource('docs/guide/install.md')).toBe('install');
    expect(titleFromSource('C:\\docs\\readme.txt')).toBe('readme');
    expect(titleFromSource('https://acme.example/help/getting%20started.html?x=1')).toBe('getting started');
    expect(titleFromSource('https://acme.example/help/')).toBe('help');
    expect(titleFromSource('.env')).toBe('.env');
  });
});

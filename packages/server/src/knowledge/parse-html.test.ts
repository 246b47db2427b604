import { describe, expect, it } from 'vitest';
import { decodeEntities, parseHtml } from './parse-html.ts';

const PAGE = `<!DOCTYPE html>
<html>
<head><title>Pricing &amp; Plans | Acme</title><style>.price { color: red }</style>
<script>window.track("pageview")</script></head>
<body>
  <header><a href="/">Acme home</a></header>
  <nav><ul><li>Products</li><li>Careers</li></ul></nav>
  <div role="banner">Cookie consent banner</div>
  <main>
    <h1>Pricing</h1>
    <p>Plans for every   team,
       billed&nbsp;monthly &mdash; cancel anytime.</p>
    <h2>Basic</h2>
    <p>Costs 10&nbsp;&euro; &lt;per seat&gt;.</p>
    <ul><li>One user</li><li>Email support<ul><li>Weekdays</li></ul></li></ul>
    <h3>Limits</h3>
    <table><tr><th>Item</th><th>Limit</th></tr><tr><td>Storage</td><td>5 GB</td></tr></table>
    <h2>Pro</h2>
    <p>Line one<br>line two</p>
    <form><label>Your address</label><input name="address"></form>
    <div aria-hidden="true">Decorative duplicate</div>
    <iframe src="https://video.example"></iframe>
    <svg><text>Logo text</text></svg>
    <noscript>Enable JavaScript</noscript>
  </main>
  <aside>Related: Careers</aside>
  <footer>© Acme, Privacy, Terms</footer>
</body>
</html>`;

describe('parseHtml', () => {
  const parsed = parseHtml(PAGE);
  const allText = JSON.stringify(parsed.sections);

  it('drops scripts, styles, navigation, banners, forms, frames, hidden and decorative parts', () => {
    for (const chrome of [
      'pageview',
      'color: red',
      'Acme home',
      'Products',
      'Cookie consent',
      'Your address',
      'Decorative',
      'video.example',
      'Logo text',
      'Enable JavaScript',
      'Related',
      'Privacy',
    ]) {
      expect(allText).not.toContain(chrome);
    }
  });

  it('takes the title from <title>, entities decoded', () => {
    expect(parsed.title).toBe('Pricing & Plans | Acme');
  });

  it('splits sections along h1–h4 with the heading path, keeping paragraph, list and row breaks', () => {
    expect(parsed.sections).toEqual([
      { headings: ['Pricing'], text: 'Plans for every team, billed monthly — cancel anytime.' },
      {
        headings: ['Pricing', 'Basic'],
        text: 'Costs 10 € <per seat>.\n\n- One user\n- Email support\n  - Weekdays',
      },
      { headings: ['Pricing', 'Basic', 'Limits'], text: 'Item | Limit\nStorage | 5 GB' },
      { headings: ['Pricing', 'Pro'], text: 'Line one\nline two' },
    ]);
  });

  it('reads only <main> when there is one', () => {
    const page = parseHtml('<body><div>Outside</div><main><p>Inside</p></main></body>');
    expect(page.sections).toEqual([{ headings: [], text: 'Inside' }]);
  });

  it('reads a lone <article>, keeping its own header, and the first h1 as title without <title>', () => {
    const page = parseHtml(
      '<body><header><h1>Site name</h1></header><p>Teaser</p><article><header><h1>Post</h1><p>By Ann</p></header><p>Body</p><footer>Tags: news</footer></article></body>',
    );
    expect(page.title).toBe('Post');
    expect(page.sections).toEqual([{ headings: ['Post'], text: 'By Ann\n\nBody\n\nTags: news' }]);
  });

  it('reads the whole body when there are several articles, and numbers ordered lists from start', () => {
    const page = parseHtml(
      '<body><article><p>First</p></article><article><ol start="4"><li>four</li><li>five</li></ol></article></body>',
    );
    expect(page.title).toBeUndefined();
    expect(page.sections).toEqual([{ headings: [], text: 'First\n\n4. four\n5. five' }]);
  });

  it('keeps preformatted code with its line breaks and indentation', () => {
    const page = parseHtml('<pre><code>if (a &lt; b) {\n  run();\n}</code></pre>');
    expect(page.sections).toEqual([{ headings: [], text: 'if (a < b) {\n  run();\n}' }]);
  });

  it('does not run the text of adjacent blocks together', () => {
    const page = parseHtml('<div>alpha</div><div>beta</div><p>gamma</p>');
    expect(page.sections[0]?.text).toBe('alpha\n\nbeta\n\ngamma');
  });

  it('has no sections for a page of chrome only', () => {
    expect(parseHtml('<nav>Home</nav><script>x()</script><footer>©</footer>').sections).toEqual([]);
  });
});

describe('decodeEntities', () => {
  it('decodes named, decimal and hexadecimal references and leaves other text alone', () => {
    expect(decodeEntities('a &amp; b &eacute; &#8212; &#x41; &unknown; 5 < 6')).toBe(
      'a & b é — A &unknown; 5 < 6',
    );
  });
});

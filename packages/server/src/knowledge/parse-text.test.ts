import { describe, expect, it } from 'vitest';
import { parseText } from './parse-text.ts';

describe('parseText', () => {
  it('takes a short first line standing alone as the title and heading', () => {
    expect(
      parseText('\n\nOpening hours\n\nMonday to Friday.\nNine to five.\n\n\nClosed on holidays.\n'),
    ).toEqual({
      title: 'Opening hours',
      sections: [
        { headings: ['Opening hours'], text: 'Monday to Friday.\nNine to five.\n\nClosed on holidays.' },
      ],
    });
  });

  it("uses the caller's fallback title when the first line is part of a paragraph or too long", () => {
    const wrapped = parseText('This paragraph is wrapped\nover two lines.\n\nSecond.', 'notes');
    expect(wrapped).toEqual({
      title: 'notes',
      sections: [{ headings: [], text: 'This paragraph is wrapped\nover two lines.\n\nSecond.' }],
    });
    const long = 'x'.repeat(101);
    expect(parseText(`${long}\n\nSecond.`, 'notes').title).toBe('notes');
  });

  it('keeps a lone line as the text too, and handles CRLF and a byte-order mark', () => {
    expect(parseText('\uFEFFJust this\r\n')).toEqual({
      title: 'Just this',
      sections: [{ headings: [], text: 'Just this' }],
    });
    expect(parseText('Title\r\n\r\nBody line').sections).toEqual([
      { headings: ['Title'], text: 'Body line' },
    ]);
  });

  it('has no sections for blank text', () => {
    expect(parseText(' \n\n \t\n', 'empty')).toEqual({ title: 'empty', sections: [] });
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeChatSpelling } from './chat-spelling.ts';

describe('normalizeChatSpelling', () => {
  it('writes out chat spellings as whole words', () => {
    expect(normalizeChatSpelling('wat r ur prises for a websit')).toBe('what are your prises for a websit');
    expect(normalizeChatSpelling('whats ur email pls')).toBe('what is your email please');
    expect(normalizeChatSpelling('doesnt it work? im gonna try')).toBe('does not it work? I am going to try');
  });

  it('leaves ordinary words, parts of words and punctuation alone', () => {
    expect(normalizeChatSpelling('Do you run user research?')).toBe('Do you run user research?');
    expect(normalizeChatSpelling('our urgent uranium order')).toBe('our urgent uranium order');
    expect(normalizeChatSpelling("What's your price? I'd like to know.")).toBe(
      "what is your price? I'd like to know.",
    );
  });
});

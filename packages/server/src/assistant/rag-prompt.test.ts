import { describe, expect, it } from 'vitest';
import type { PassageHit } from '../storage/knowledge-store.ts';
import { messageRecord } from '../testing/message-record.ts';
import {
  BASE_RULES,
  buildPrompt,
  buildSystemPrompt,
  citedSources,
  historyWindow,
  NO_PASSAGES_NOTE,
  retrievalQuery,
  shorten,
} from './rag-prompt.ts';

function passage(index: number, title: string, heading: string, text: string): PassageHit {
  return {
    id: `p${index}`,
    document_id: `doc${index}`,
    ordinal: index,
    heading,
    text,
    title,
    url: index === 2 ? null : `https://example.com/${index}`,
    source: `source-${index}`,
    score: 10 - index,
  };
}

const PASSAGES = [
  passage(1, 'Opening hours', 'Shop › Weekdays', 'Open 9 to 5 on weekdays.'),
  passage(2, 'Returns', '', 'Returns within 30 days. '.repeat(20)),
  passage(3, 'Shipping', 'Abroad', 'We ship to the EU.'),
];

const message = messageRecord;

describe('buildSystemPrompt', () => {
  it('puts the rules first, then persona and tenant instructions, then the numbered passages', () => {
    const system = buildSystemPrompt({
      tenantName: 'Acme',
      settings: { persona: 'Mia', system_prompt: 'Use a formal tone.' },
      passages: PASSAGES,
    });
    expect(system).toContain('You are Mia,');
    expect(system).toContain(BASE_RULES);
    expect(system.indexOf(BASE_RULES)).toBeLessThan(system.indexOf('Use a formal tone.'));
    expect(system.indexOf('Use a formal tone.')).toBeLessThan(system.indexOf('[1] Opening hours'));
    expect(system).toContain('[1] Opening hours › Shop › Weekdays\nOpen 9 to 5 on weekdays.');
    expect(system).toContain('[2] Returns\nReturns within 30 days.');
    expect(system).toContain('[3] Shipping › Abroad\nWe ship to the EU.');
    expect(system).not.toContain(NO_PASSAGES_NOTE);
  });

  it('says the knowledge base has nothing when there are no passages, and has a default persona', () => {
    const system = buildSystemPrompt({ tenantName: 'Acme', settings: {}, passages: [] });
    expect(system).toContain('You are the assistant of Acme');
    expect(system).toContain(NO_PASSAGES_NOTE);
    expect(system).not.toContain('Knowledge-base passages');
  });

  it('states the rules the platform relies on', () => {
    expect(BASE_RULES).toMatch(/only from the numbered/);
    expect(BASE_RULES).toMatch(/\[n\]/);
    expect(BASE_RULES).toContain('reply with exactly NO_ANSWER and nothing else');
    expect(BASE_RULES).toMatch(/Never reveal/);
    expect(BASE_RULES).toMatch(/plain text, not HTML/);
  });
});

describe('historyWindow and buildPrompt', () => {
  it('maps roles: operators become marked assistant turns, system messages and empty replies are skipped', () => {
    const history = [
      message('user', 'Hi'),
      message('assistant', ''),
      message('system', 'Chat assigned to Bob'),
      message('human', 'Bob here, how can I help?'),
      message('assistant', 'Glad to help.'),
    ];
    expect(historyWindow(history, 10, 10_000)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '(Team member) Bob here, how can I help?' },
      { role: 'assistant', content: 'Glad to help.' },
    ]);
  });

  it('keeps the newest messages within the count and the character budget', () => {
    const history = [
      message('user', 'a'.repeat(50)),
      message('assistant', 'b'.repeat(50)),
      message('user', 'c'.repeat(50)),
    ];
    expect(historyWindow(history, 2, 10_000).map((item) => String(item.content)[0])).toEqual(['b', 'c']);
    expect(historyWindow(history, 10, 120).map((item) => String(item.content)[0])).toEqual(['b', 'c']);
    expect(historyWindow(history, 10, 40)).toEqual([]);
  });

  it('ends with the new message as a user turn and never repeats it from history', () => {
    const question = message('user', 'Where do you ship?');
    const prompt = buildPrompt({
      tenantName: 'Acme',
      settings: {},
      passages: PASSAGES,
      history: [message('user', 'Hello'), question],
      message: question,
    });
    expect(prompt.messages).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'user', content: 'Where do you ship?' },
    ]);
    expect(prompt.system).toContain('[3] Shipping');
  });
});

describe('retrievalQuery', () => {
  const history = [
    message('user', 'What are your opening hours?'),
    message('assistant', 'Nine to five [1].'),
  ];

  it('uses a complete question alone', () => {
    expect(retrievalQuery('How long do returns take for shoes?', history)).toBe(
      'How long do returns take for shoes?',
    );
  });

  it('adds the previous user message to a short or elliptic one', () => {
    expect(retrievalQuery('And on Sundays?', history)).toBe('What are your opening hours? And on Sundays?');
    expect(retrievalQuery('what about it on public holidays in May', history)).toBe(
      'What are your opening hours? what about it on public holidays in May',
    );
  });

  it('keeps a short message as it is when there is nothing before it', () => {
    expect(retrievalQuery(' hours? ', [])).toBe('hours?');
  });
});

describe('citedSources', () => {
  it('maps [n], [n, m] and [n][m] to sources in citation order, once each', () => {
    const sources = citedSources('Returns [2][1]. Hours [1, 3]. Again [2].', PASSAGES);
    expect(sources.map((source) => source.n)).toEqual([2, 1, 3]);
    expect(sources[0]).toMatchObject({ n: 2, document_id: 'doc2', title: 'Returns', url: null });
    expect(sources[1]).toMatchObject({
      n: 1,
      url: 'https://example.com/1',
      excerpt: 'Open 9 to 5 on weekdays.',
    });
  });

  it('drops numbers that were never given', () => {
    expect(citedSources('See [0], [7] and [4, 3].', PASSAGES).map((source) => source.n)).toEqual([3]);
    expect(citedSources('No citations here, just [brackets].', PASSAGES)).toEqual([]);
    expect(citedSources('Anything [1]', [])).toEqual([]);
  });

  it('shortens excerpts at a word boundary', () => {
    const [source] = citedSources('[2]', PASSAGES);
    expect(source?.excerpt.length).toBeLessThanOrEqual(200);
    expect(source?.excerpt.endsWith('…')).toBe(true);
    expect(shorten('one two three', 9)).toBe('one two…');
    expect(shorten('  short  text ', 50)).toBe('short text');
  });
});

import { describe, expect, it } from 'vitest';
import { type Intent, recognizeIntent } from './intents.ts';

const cases: Record<Exclude<Intent, 'question'>, string[]> = {
  greeting: [
    'hi',
    'Hello!',
    'hey there',
    'Good morning',
    'Hi, how are you?',
    'hello again :)',
    'Hi, I have a question',
    'Can you help me?',
    'Bonjour',
    'Привет!',
  ],
  thanks: [
    'thanks',
    'Thank you!',
    'great, thanks!',
    'thank you so much',
    'Thanks a lot for the help',
    'thanks for the info about pricing',
    'cheers',
    'merci beaucoup',
    'спасибо',
  ],
  goodbye: ['bye', 'Goodbye!', 'ok, bye', 'thanks, bye!', 'see you later', "That's all, have a nice day"],
  handoff: [
    'Can I speak to a person?',
    'human please',
    'connect me to an agent',
    'real person',
    'operator',
    'talk to someone',
    'I want to talk to a human',
    "I'd like to speak with someone from sales",
    'Can I talk to someone about a quote?',
    'Is there someone I can talk to?',
    'no, I want a human',
  ],
  yes: ['yes', 'Yes please', 'sure', 'ok', 'go ahead'],
  no: ['no', 'no thanks', 'No thank you', 'nope'],
};

const questions = [
  'what does human-centred design mean at MIPTech?',
  'Hi, what services do you offer?',
  'Hello! How much does a website cost?',
  'thanks, what about mobile apps?',
  'Thanks for the info. And how much is a mobile app?',
  'How many people work at MIPTech?',
  'Do you build AI agents?',
  'Who is your sales manager?',
  'Are you a real person?',
  'Can someone explain your pricing?',
  'Does your support team work on weekends?',
  'Thanks to your team, our launch went well. What is the next step?',
  'Good morning, I would like to know your opening hours',
  '',
  '???',
];

describe('recognizeIntent', () => {
  for (const [intent, messages] of Object.entries(cases)) {
    it.each(messages)(`recognises %j as ${intent}`, (message) => {
      expect(recognizeIntent(message)).toBe(intent);
    });
  }

  it.each(questions)('treats %j as a question', (message) => {
    expect(recognizeIntent(message)).toBe('question');
  });

  it('accepts the persona and tenant names in small talk', () => {
    expect(recognizeIntent('Hi Mia!')).toBe('question');
    expect(recognizeIntent('Hi Mia!', { names: ['Mia'] })).toBe('greeting');
    expect(recognizeIntent('thanks MIPTech', { names: ['MIPTech'] })).toBe('thanks');
  });

  it('treats a long run of small-talk words as a question', () => {
    expect(recognizeIntent('hi '.repeat(20))).toBe('question');
  });
});

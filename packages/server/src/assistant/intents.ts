/**
 * Small talk recognised without a model: greetings, thanks, goodbyes, yes/no, and requests for a
 * human. A message counts as small talk only when it is essentially that: every word is either a
 * phrase of the intent or a filler word ("please", "can I", "there"…). "Hi, what do you charge?"
 * is a question, and so is "what does human-centred design mean?".
 *
 * Word lists rather than a classifier: they cover the short messages that matter, they never
 * misfire on a real question with extra words, and a reviewer can read exactly what they match.
 * English first; a few common words in French, Spanish, Portuguese, German, Italian and Russian.
 */

/** What a visitor's message is; `question` is everything that is not small talk. */
export type Intent = 'greeting' | 'thanks' | 'goodbye' | 'handoff' | 'yes' | 'no' | 'question';

/** The small-talk intents, strongest first: "no thanks" is a no, "thanks, bye" a goodbye. */
const PRIORITY = ['handoff', 'goodbye', 'no', 'thanks', 'yes', 'greeting'] as const;
type SmallTalk = (typeof PRIORITY)[number];

const PHRASES: Record<SmallTalk, string[]> = {
  handoff: list(`
    human, humans, human being, person, real person, live person, people, agent, live agent,
    operator, someone, somebody, anyone, anybody, representative, rep, staff, staff member,
    team member, member of the team, member of your team, member of staff, employee, live chat,
    customer service, customer support, sales team, support team, your team, the team, sales,
    manager, consultant, humain, une personne, conseiller, humano, una persona, uma pessoa, mensch,
    mitarbeiter, einem menschen, человек, человеком, оператор, оператором, менеджер, менеджером
  `),
  goodbye: list(`
    bye, bye bye, byebye, goodbye, good bye, cya, see you, see ya, see you later, see you soon,
    talk to you later, take care, have a nice day, have a good day, have a great day,
    have a nice evening, have a good one, have a nice weekend, have a good weekend, good night,
    goodnight, later, thats all, that is all, thats it, that will be all, nothing else, im done,
    au revoir, adios, hasta luego, tchau, tschuss, auf wiedersehen, arrivederci, пока, до свидания
  `),
  no: list(`
    no, nope, nah, no thanks, no thank you, not now, not really, no need, not necessary, im good,
    im fine, non, nein, нет
  `),
  thanks: list(`
    thanks, thank you, thankyou, thank u, thx, thnx, ty, tysm, cheers, appreciate it,
    i appreciate it, much appreciated, appreciated, kudos, merci, gracias, danke, grazie, obrigado,
    obrigada, спасибо, благодарю
  `),
  yes: list(`
    yes, yeah, yea, yep, yup, sure, ok, okay, k, alright, please do, go ahead, of course, absolutely,
    definitely, certainly, great, perfect, awesome, cool, nice, got it, understood, sounds good,
    that would be great, oui, si, ja, sim, да
  `),
  greeting: list(`
    hi, hii, hiya, hello, helo, hallo, hey, heya, howdy, greetings, yo, sup, good morning,
    good afternoon, good evening, good day, morning, afternoon, evening, how are you,
    how are you doing, how is it going, hows it going, whats up, i have a question,
    i have a few questions, i have some questions, quick question, can you help me,
    could you help me, can you help, i need help, i need some help, help, bonjour, bonsoir, salut,
    hola, buenos dias, buenas tardes, buenas, ola, bom dia, boa tarde, guten morgen, guten tag,
    servus, moin, ciao, hej, привет, здравствуйте, добрый день, доброе утро, добрый вечер
  `),
};

/** Words that may surround an intent's phrases without making the message a question. */
const FILLER = new Set(
  list(`
    please, pls, plz, can, could, would, will, may, might, i, id, ill, im, ive, me, my, we, us, our,
    you, your, youre, to, a, an, the, with, just, now, right, away, asap, like, want, wanna, need,
    love, speak, talk, chat, connect, transfer, put, through, get, give, let, reach, so, and, then,
    there, is, it, its, this, that, thats, was, very, really, much, many, lot, lots, of, oh, ah,
    well, again, too, also, all, everyone, everybody, folks, guys, bot, assistant, dear, sir, madam,
    good, fine, helpful, info, information, answer, answers, for, today, doing, hope, from, in, at,
    beaucoup, sil, vous, plait, je, veux, parler, muchas, mucho, por, favor, quiero, hablar, con,
    vielen, vielmals, bitte, ich, mochte, mit, sprechen, большое, очень, пожалуйста, хочу, с,
    поговорить, можно, всем
  `).map(normalize),
);

/** Verbs of getting in touch: "talk to someone about a quote" is still a handoff request. */
const CONTACT_VERBS = new Set(['speak', 'talk', 'chat', 'connect', 'transfer', 'reach', 'contact', 'call']);
/** Words that make a human noun a request even next to other small talk ("no, I want a human"). */
const REQUEST_WORDS = new Set([...CONTACT_VERBS, 'want', 'wanna', 'need', 'like', 'get', 'give', 'please']);
/** Words that open a topic clause after a handoff or a thanks ("about pricing", "for the help"). */
const TOPIC_WORDS: Partial<Record<SmallTalk, Set<string>>> = {
  handoff: new Set(['about', 'regarding', 'concerning', 're', 'on']),
  thanks: new Set(['for']),
};
/** "Are you a real person?" asks about the assistant; it is not a request for one. */
const ABOUT_ASSISTANT = /^(are you|r u|is this|is it|am i|who are you)\b/;

/** Longer messages are questions even if every word is small talk ("hi hi hi…" aside). */
const MAX_WORDS = 14;

const MATCHERS = PRIORITY.flatMap((intent) =>
  PHRASES[intent].map((phrase) => ({ intent, words: normalize(phrase).split(' ') })),
).sort((first, second) => second.words.length - first.words.length);

/**
 * What a visitor's message is, by its words alone.
 *
 * @param options.names extra words a greeting may carry, e.g. the persona's name ("hi Mia").
 * @example
 * recognizeIntent('Hey there!'); // 'greeting'
 * recognizeIntent('Can I speak to a person?'); // 'handoff'
 * recognizeIntent('Hi, what do you charge for a website?'); // 'question'
 */
export function recognizeIntent(message: string, options: { names?: string[] } = {}): Intent {
  const text = normalize(message);
  if (text === '') return 'question';
  const words = text.split(' ');
  if (words.length > MAX_WORDS) return 'question';
  const names = new Set((options.names ?? []).flatMap((name) => normalize(name).split(' ')));

  // Replace every phrase by its intent, longest phrases first, so "thank you" is one token.
  const tokens: Array<string | { intent: SmallTalk }> = [];
  for (let index = 0; index < words.length; ) {
    const match = MATCHERS.find((matcher) => matcher.words.every((word, at) => words[index + at] === word));
    if (match) {
      tokens.push({ intent: match.intent });
      index += match.words.length;
    } else {
      tokens.push(words[index] as string);
      index += 1;
    }
  }
  const found = new Set<SmallTalk>();
  for (const [index, token] of tokens.entries()) {
    if (typeof token !== 'string') {
      found.add(token.intent);
      if (opensTopic(token.intent, tokens[index + 1], words, message.includes('?'))) break;
      continue;
    }
    if (!FILLER.has(token) && !names.has(token)) return 'question';
  }
  if (found.has('handoff')) {
    if (ABOUT_ASSISTANT.test(text)) return 'question';
    // "Thanks to the team!" names people without asking for them.
    const otherTalk = found.has('thanks') || found.has('goodbye') || found.has('no');
    if (otherTalk && !words.some((word) => REQUEST_WORDS.has(word))) found.delete('handoff');
  }
  return PRIORITY.find((intent) => found.has(intent)) ?? 'question';
}

/** Whether the words after this intent's phrase are a topic clause to ignore. */
function opensTopic(
  intent: SmallTalk,
  next: string | { intent: SmallTalk } | undefined,
  words: string[],
  asks: boolean,
): boolean {
  if (typeof next !== 'string' || !TOPIC_WORDS[intent]?.has(next)) return false;
  // "Thanks for that. And in Berlin?" goes on to ask something.
  if (intent === 'thanks') return !asks;
  // "talk to someone about X": only with a verb of contact; "someone about X" alone is a question.
  return words.some((word) => CONTACT_VERBS.has(word));
}

/** A comma-separated word list, as written in a template literal. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Lower case, no accents or apostrophes ("That's" → "thats"), words separated by one space. */
function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

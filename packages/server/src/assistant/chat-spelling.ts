/**
 * Chat spellings → the words a document uses, before anything else reads a visitor's message:
 * "wat r ur prises" asks what the correctly spelled question asks, and "ur" or "whats" match
 * nothing in a knowledge base. Only whole words, and only spellings that are not also ordinary
 * English words of a help center ("us", "your", "to" stay as they are).
 */

/** Chat spelling → standard spelling, lower case. */
const SPELLINGS = new Map<string, string>(
  Object.entries({
    u: 'you',
    ya: 'you',
    yu: 'you',
    ur: 'your',
    urs: 'yours',
    r: 'are',
    pls: 'please',
    plz: 'please',
    thx: 'thanks',
    ty: 'thank you',
    wat: 'what',
    wot: 'what',
    whats: 'what is',
    wats: 'what is',
    hows: 'how is',
    wheres: 'where is',
    whos: 'who is',
    whens: 'when is',
    gonna: 'going to',
    wanna: 'want to',
    gotta: 'have to',
    dont: 'do not',
    doesnt: 'does not',
    didnt: 'did not',
    cant: 'cannot',
    wont: 'will not',
    isnt: 'is not',
    arent: 'are not',
    wasnt: 'was not',
    havent: 'have not',
    im: 'I am',
    ive: 'I have',
    id: 'I would',
    youre: 'you are',
    theres: 'there is',
    abt: 'about',
    b4: 'before',
    bc: 'because',
    cuz: 'because',
    coz: 'because',
    tho: 'though',
    msg: 'message',
    pw: 'password',
    pwd: 'password',
    acct: 'account',
    asap: 'as soon as possible',
    rn: 'right now',
    n: 'and',
    w: 'with',
    wo: 'without',
    idk: 'I do not know',
    info: 'information',
  }),
);

/**
 * The message with chat spellings written out; everything else, spacing and punctuation
 * included, as it was.
 *
 * @example
 * normalizeChatSpelling('wat r ur prises for a websit'); // 'what are your prises for a websit'
 */
export function normalizeChatSpelling(message: string): string {
  return message.replace(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu, (word) => {
    const standard = SPELLINGS.get(word.toLowerCase().replace(/'/g, ''));
    if (standard === undefined) return word;
    // "I'd" with an apostrophe is standard English already; only the bare chat forms change.
    if (
      word.includes("'") &&
      !['whats', 'hows', 'wheres', 'whos', 'whens'].includes(word.toLowerCase().replace(/'/g, ''))
    )
      return word;
    return standard;
  });
}

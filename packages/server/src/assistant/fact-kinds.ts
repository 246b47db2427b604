/**
 * What kind of fact a question asks for, and whether a text holds one. "How long does a store
 * take?" wants a duration, "how much…?" a price, "how can I contact you?" an address, an email or
 * a phone number, "how do I…?" steps. A passage that holds that kind of fact is likelier to answer
 * than one that only shares the question's words ("online store" in a list of services), and
 * within a passage the sentence that holds it is the one to quote.
 */

export type FactKind = 'duration' | 'price' | 'contact' | 'steps';

interface KindRule {
  kind: FactKind;
  /** How a question asks for it. */
  asked: RegExp;
  /** How a sentence or a passage says it. */
  said: RegExp;
}

/** A number or a range, in digits or words ("6–10", "six to ten", "a few"). */
const NUMBER = String.raw`(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several)(?:\s*(?:-|–|to)\s*(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|twelve))?`;

const RULES: KindRule[] = [
  {
    kind: 'duration',
    asked:
      /\bhow long\b|\bhow (?:many|much) (?:time|days|weeks|months|hours)\b|\bhow (?:soon|fast|quickly)\b|\btimeline\b|\bturnaround\b/i,
    said: new RegExp(`\\b${NUMBER}\\s*(?:minutes?|hours?|days?|weeks?|months?|years?|business days)\\b`, 'i'),
  },
  {
    kind: 'price',
    asked: /\bhow much\b(?! time)|\bcosts?\b|\bpric(?:e|es|ing)\b|\bfees?\b|\bcharged?\b|\bfree\b/i,
    said: new RegExp(
      `[$€£¥]\\s?\\d|\\b${NUMBER}\\s?(?:€|eur|euros?|usd|dollars?|gbp)\\b|\\bfree\\b|\\bper (?:month|year|user|seat)\\b`,
      'i',
    ),
  },
  {
    kind: 'contact',
    asked:
      /\bcontact\b|\be-?mail\b|\bphone\b|\bcall you\b|\breach (?:you|out|the team)\b|\bget in touch\b|\bwhere are you\b|\baddress\b/i,
    said: /[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d ().-]{7,}\d|\b\d+\s+\p{Lu}\p{L}+\s+(?:street|st|road|rd|avenue|ave|straße|strasse|rua)\b/iu,
  },
  {
    kind: 'steps',
    asked:
      /^\s*(?:how (?:do|can|should|would|to)\b|what are the steps\b|walk me through\b)|\bstep by step\b|\bsteps?\b|\bprocess\b/i,
    // At least two numbered lines: a procedure, not a number in a sentence.
    said: /^\s*\d+[.)]\s.*\n(?:.*\n)*?\s*\d+[.)]\s/m,
  },
];

/** The kinds of fact the question asks for; usually none or one. */
export function askedKinds(question: string): FactKind[] {
  return RULES.filter((rule) => rule.asked.test(question)).map((rule) => rule.kind);
}

/** Whether `text` holds a fact of `kind` (a whole passage for `steps`, any text for the rest). */
export function holdsKind(text: string, kind: FactKind): boolean {
  return RULES.find((rule) => rule.kind === kind)?.said.test(text) ?? false;
}

/** Whether one sentence or list item holds a fact of any of `kinds`; steps are a list item. */
export function unitHoldsKind(text: string, kinds: readonly FactKind[]): boolean {
  return kinds.some((kind) => (kind === 'steps' ? /^\s*\d+[.)]\s/.test(text) : holdsKind(text, kind)));
}

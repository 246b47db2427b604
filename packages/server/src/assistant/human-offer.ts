/**
 * The "no answer" reply and its offer of a human, as the LLM responder writes them. The wording is
 * the built-in responder's third tier (`knowledge-responder.ts` uses this module too), because the
 * protocol is the text: the built-in responder turns a visitor's "yes" into a handoff when the
 * previous assistant message contains {@link HUMAN_OFFER}, whichever responder wrote it. A test
 * (`human-offer.test.ts`) holds the two in step.
 */
import type { MessageRecord } from '../storage/store.ts';

/** The sentence that offers a human; a "yes" after it is a handoff request. */
export const HUMAN_OFFER = 'Would you like me to connect you with a member of the team?';

/** Said when the tenant hands over on no answer, after the "not found" sentence or the model's text. */
const HANDED_OVER =
  "I've asked a member of the team to join this chat. They will reply here as soon as they can.";

/**
 * The reply when the knowledge base has no answer. `alreadySaid` is the model's text that reached
 * the visitor before it gave up (an apology, say): the offer then follows it rather than a second
 * "I couldn't find that".
 *
 * @example
 * noAnswerText('Acme', false) // "I couldn't find that in Acme's knowledge base. Would you like me to connect you…?"
 */
export function noAnswerText(tenantName: string, handOver: boolean, alreadySaid = ''): string {
  if (alreadySaid.trim()) {
    const separator = /\s$/.test(alreadySaid) ? '' : ' ';
    return `${separator}${handOver ? HANDED_OVER : HUMAN_OFFER}`;
  }
  const notFound = `I couldn't find that in ${possessive(tenantName)} knowledge base`;
  if (handOver) {
    return `${notFound}, so I've asked a member of the team to join this chat. They will reply here as soon as they can.`;
  }
  return `${notFound}. ${HUMAN_OFFER}`;
}

/** Whether the assistant's last message offered a human (so a "yes" now means "hand over"). */
export function offeredHuman(history: MessageRecord[]): boolean {
  return history.findLast((message) => message.role === 'assistant')?.content.includes(HUMAN_OFFER) ?? false;
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

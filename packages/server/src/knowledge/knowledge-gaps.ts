/**
 * Knowledge gaps: recent visitor questions the assistant answered without citing the knowledge
 * base ("I couldn't find that…"), grouped by wording, for operators to fill with a document.
 * Small talk ("hi", "thanks") is answered without sources too, and is left out.
 */
import type { KnowledgeGap } from '@miptech/protocol';
import { recognizeIntent } from '../assistant/intents.ts';
import type { Store } from '../storage/store.ts';

/** Rows read per gap asked for: small talk and repeats are dropped after the query. */
const OVERFETCH = 5;

/**
 * @example
 * const gaps = await knowledgeGaps(store, 'acme', { limit: 20, days: 30 });
 */
export async function knowledgeGaps(
  store: Store,
  tenant_id: string,
  query: { limit: number; days: number },
  now = Date.now(),
): Promise<KnowledgeGap[]> {
  const since = new Date(now - query.days * 86_400_000).toISOString();
  const rows = await store.listUnansweredQuestions(tenant_id, { since, limit: query.limit * OVERFETCH });
  const byWording = new Map<string, KnowledgeGap>();
  for (const row of rows) {
    if (recognizeIntent(row.question) !== 'question') continue;
    const key = row.question
      .trim()
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .replace(/[?.!\s]+$/, '');
    const seen = byWording.get(key);
    // Rows come newest first: the first of a wording is its latest.
    if (seen) seen.times += 1;
    else
      byWording.set(key, {
        question: row.question,
        answer: row.answer,
        times: 1,
        last_asked_at: row.asked_at,
        chat_id: row.chat_id,
      });
  }
  return [...byWording.values()].slice(0, query.limit);
}

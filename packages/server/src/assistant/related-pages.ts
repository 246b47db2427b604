/**
 * The middle tier of the answer gate: pages that cover most of a question without one passage
 * answering it in one place. Quoting such a passage would answer a question the visitor did not
 * ask; saying "I don't know" would hide a page that likely helps. Links let the visitor judge.
 */
import type { Source } from '@miptech/protocol';
import type { PassageHit } from '../storage/knowledge-store.ts';
import { isRelated, rankCandidates, shorten } from './knowledge-answer.ts';
import type { QuestionTerms } from './question-terms.ts';

/** At most this many pages are offered. */
const MAX_RELATED = 3;
/** A further page must be nearly as relevant as the first. */
const RELATED_RANK_RATIO = 0.75;
const MAX_EXCERPT_CHARS = 160;

/**
 * Up to three documents whose best passage covers most of the question, best first, as sources
 * numbered from 1; empty when none does.
 */
export function relatedPages(lists: PassageHit[][], question: QuestionTerms): Source[] {
  const candidates = rankCandidates(lists, question).filter(isRelated);
  const best = candidates[0];
  if (!best) return [];
  const sources: Source[] = [];
  for (const candidate of candidates) {
    if (sources.length >= MAX_RELATED || candidate.rank < best.rank * RELATED_RANK_RATIO) break;
    if (sources.some((source) => source.document_id === candidate.hit.document_id)) continue;
    sources.push({
      n: sources.length + 1,
      document_id: candidate.hit.document_id,
      title: candidate.hit.title,
      url: candidate.hit.url,
      excerpt: shorten(candidate.hit.text.replace(/\s+/g, ' '), MAX_EXCERPT_CHARS),
    });
  }
  return sources;
}

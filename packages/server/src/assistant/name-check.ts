/**
 * The name check of the answer gate: a question that names something (a word capitalised after
 * the first, a word in capitals, or a capitalised word asked alone) that the tenant's knowledge
 * never mentions is about someone else's product, place or brand. Common words cannot tell
 * "Does Strapi have a kanban layout?" from a question about our kanban layout; the name can.
 */
import type { Retriever } from '../storage/knowledge-store.ts';
import { searchTerms } from '../storage/search-terms.ts';

/** A question this short is all name when capitalised ("Wordpress", "Google Analytics?"). */
const MAX_NAME_QUESTION_WORDS = 2;

/** The name-like words of a message, the tenant's own names aside. */
export function nameLikeWords(message: string, names: string[]): string[] {
  const own = new Set(names.flatMap((name) => searchTerms(name)));
  const words = message.match(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu) ?? [];
  const short = words.length <= MAX_NAME_QUESTION_WORDS;
  const found = words.filter((word, index) => {
    const letters = word.replace(/[^\p{L}]/gu, '');
    if (letters.length < 2 || word.includes("'") || word.includes('’')) return false;
    // "I", "I'm", a sentence's first word are capitalised by grammar, not because they are names.
    const capitalised = /^\p{Lu}/u.test(word) && (index > 0 || short);
    const capitals = /^\p{Lu}{2,}$/u.test(letters);
    return capitalised || capitals;
  });
  return found.filter((word) => searchTerms(word).some((term) => !own.has(term)));
}

/** The first name-like word of `message` that no passage of the tenant holds, if any. */
export async function unknownName(
  retriever: Retriever,
  tenant_id: string,
  message: string,
  names: string[],
): Promise<string | undefined> {
  for (const word of nameLikeWords(message, names)) {
    const hits = await retriever.search(tenant_id, word, { limit: 1 });
    if (hits.length === 0) return word;
  }
  return undefined;
}

/** Knowledge gaps: recent visitor questions the assistant could not answer, to write documents for. */
import type { KnowledgeGap } from '@miptech/protocol';
import { useEffect, useState } from 'react';
import { timeOf } from '../format.ts';
import { hrefOf } from '../router.ts';
import { useSession } from '../session/session-context.ts';

export function KnowledgeGaps({ refresh }: { refresh: number }) {
  const { auth } = useSession();
  const [gaps, setGaps] = useState<KnowledgeGap[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    void refresh;
    auth
      .request<{ items: KnowledgeGap[] }>('/knowledge/gaps?limit=20&days=30')
      .then((page) => setGaps(page.items))
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)));
  }, [auth, refresh]);

  return (
    <section aria-labelledby="gaps-title">
      <h2 id="gaps-title">Knowledge gaps {gaps && <span className="count">{gaps.length}</span>}</h2>
      <p className="hint">
        Questions visitors asked in the last 30 days that the assistant could not answer from your documents.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!gaps ? (
        !error && <p role="status">Loading…</p>
      ) : gaps.length === 0 ? (
        <p className="empty">No gaps: every recent question was answered from the knowledge base.</p>
      ) : (
        <ul className="gaps">
          {gaps.map((gap) => (
            <li key={gap.chat_id + gap.question}>
              <q>{gap.question}</q>{' '}
              <span className="chat-meta">
                {gap.times > 1 ? `${gap.times} times, last ` : ''}
                {timeOf(gap.last_asked_at)} ·{' '}
                <a href={hrefOf({ screen: 'inbox', chatId: gap.chat_id })}>open the chat</a>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

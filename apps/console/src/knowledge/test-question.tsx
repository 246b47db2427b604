/**
 * "Test a question": what the assistant would answer and from which passages. The answer comes
 * from a throwaway chat asked with `?wait=true` (the real answer path, responder and all); the
 * chat is marked `console_test` in its context, hidden from the inbox, and closed afterwards.
 */
import type { CreatedChat, Message, Source } from '@miptech/protocol';
import { type FormEvent, useState } from 'react';
import { useSession } from '../session/session-context.ts';

interface Hit {
  document_id: string;
  title: string;
  heading: string;
  text: string;
}

interface Result {
  answer: string;
  sources: Source[];
  passages: Hit[];
}

export function TestQuestion() {
  const { auth } = useSession();
  const [question, setQuestion] = useState('');
  const [result, setResult] = useState<Result | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const http = auth.http;
      const chat = await http.request<CreatedChat>('/chat', {
        method: 'POST',
        body: { title: 'Console test question', context: { console_test: true } },
      });
      const visitor = { token: chat.visitor_token };
      const [reply, search] = await Promise.all([
        http.request<Message>(`/chat/${chat.id}/messages?wait=true`, {
          method: 'POST',
          body: { content: question },
          ...visitor,
        }),
        auth.request<{ items: Hit[] }>(`/knowledge/search?q=${encodeURIComponent(question)}`),
      ]);
      const sources = Array.isArray(reply.metadata.sources) ? (reply.metadata.sources as Source[]) : [];
      setResult({ answer: reply.content, sources, passages: search.items.slice(0, 3) });
      await auth.request(`/chats/${chat.id}/close`, { method: 'POST', body: {} }).catch(() => undefined);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="test-title">
      <h2 id="test-title">Test a question</h2>
      <form className="inline" onSubmit={ask}>
        <label htmlFor="test-question">Question a visitor might ask</label>
        <input
          id="test-question"
          value={question}
          onChange={(event) => setQuestion(event.target.value)}
          required
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Asking…' : 'Ask'}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="test-result" aria-live="polite">
          <h3>The assistant would answer</h3>
          <p className="answer">{result.answer}</p>
          {result.sources.length > 0 && (
            <>
              <h3>Sources it cited</h3>
              <ol className="sources">
                {result.sources.map((source) => (
                  <li key={source.n} value={source.n}>
                    {source.title}
                  </li>
                ))}
              </ol>
            </>
          )}
          <h3>Best matching passages</h3>
          {result.passages.length === 0 ? (
            <p>No passage matches: this is a gap in the knowledge.</p>
          ) : (
            <ul className="passages">
              {result.passages.map((hit) => (
                <li key={`${hit.document_id}:${hit.heading}:${hit.text.slice(0, 20)}`}>
                  <strong>{hit.title}</strong>
                  {headingBelow(hit) && <span> › {headingBelow(hit)}</span>}
                  <p>{hit.text}</p>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * The passage's headings under its document's title: a Markdown page's first heading usually is
 * the title ("Bicycle storage › Bicycle storage › Opening times" would say it twice).
 */
function headingBelow(hit: { title: string; heading: string }): string {
  const [first, ...rest] = hit.heading.split(' › ');
  return first === hit.title ? rest.join(' › ') : hit.heading;
}

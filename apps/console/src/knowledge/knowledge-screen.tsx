/**
 * The tenant's knowledge: the documents (passages, last update), adding one by pasting or by
 * choosing/dropping a file (Markdown, HTML, text) or by URL or sitemap, deleting, trying a
 * question, and the knowledge gaps (questions the assistant could not answer).
 */
import type { KnowledgeDocument } from '@miptech/protocol';
import { useCallback, useEffect, useState } from 'react';
import { timeOf } from '../format.ts';
import { canManage, useSession } from '../session/session-context.ts';
import { AddDocument } from './add-document.tsx';
import { ImportUrl } from './import-url.tsx';
import { KnowledgeGaps } from './knowledge-gaps.tsx';
import { TestQuestion } from './test-question.tsx';

export function KnowledgeScreen() {
  const { auth, user } = useSession();
  const [documents, setDocuments] = useState<KnowledgeDocument[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const manage = canManage(user);

  const load = useCallback(() => {
    auth
      .request<{ items: KnowledgeDocument[] }>('/knowledge/documents')
      .then((page) => setDocuments(page.items))
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)));
  }, [auth]);
  useEffect(load, [load]);

  const remove = async (document: KnowledgeDocument) => {
    if (!confirm(`Delete "${document.title}"? The assistant stops using it at once.`)) return;
    try {
      await auth.request(`/knowledge/documents/${encodeURIComponent(document.id)}`, { method: 'DELETE' });
      load();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };

  return (
    <main className="screen knowledge" id="main">
      <h1>Knowledge</h1>
      <p className="lead">
        What the assistant answers from. Re-adding a document with the same source updates it.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="documents-title">
        <h2 id="documents-title">
          Documents {documents && <span className="count">{documents.length}</span>}
        </h2>
        {!documents ? (
          <p role="status">Loading…</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Source</th>
                  <th scope="col">Passages</th>
                  <th scope="col">Updated</th>
                  {manage && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {documents.map((document) => (
                  <tr key={document.id}>
                    <td>{document.title}</td>
                    <td className="source">{document.source}</td>
                    <td>{document.passage_count}</td>
                    <td>{timeOf(document.updated_at)}</td>
                    {manage && (
                      <td>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void remove(document)}
                          aria-label={`Delete ${document.title}`}
                        >
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {manage && <AddDocument onAdded={load} />}
      {manage && <ImportUrl onImported={load} />}
      <TestQuestion />
      <KnowledgeGaps refresh={documents?.length ?? 0} />
    </main>
  );
}

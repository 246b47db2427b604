/**
 * Adds the pages of a URL or a sitemap. The server fetches them within its outbound policy and
 * answers one NDJSON line per page as it is stored, so the list below grows while it works.
 */
import type { KnowledgeImportEvent } from '@miptech/protocol';
import { type FormEvent, useState } from 'react';
import { useSession } from '../session/session-context.ts';

type SourceLine = Extract<KnowledgeImportEvent, { type: 'source' }>;

export function ImportUrl({ onImported }: { onImported(): void }) {
  const { auth } = useSession();
  const [url, setUrl] = useState('');
  const [lines, setLines] = useState<SourceLine[]>([]);
  const [state, setState] = useState<{ kind: 'busy' | 'done' | 'error'; text: string } | undefined>();

  const post = async () => {
    const send = (token: string | undefined) =>
      fetch(`${location.origin}/api/v1/knowledge/imports`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tenant-id': auth.http.tenantId,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ url: url.trim() }),
      });
    const first = await send(auth.accessToken);
    // An access token that expired meanwhile: refresh once from the cookie, as the client does.
    return first.status === 401 ? send(await auth.refresh()) : first;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLines([]);
    setState({ kind: 'busy', text: 'Reading…' });
    try {
      const response = await post();
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { detail?: string };
        throw new Error(body.detail ?? `The import failed (HTTP ${response.status})`);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      let done: KnowledgeImportEvent | undefined;
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffered += chunk.value;
        const complete = buffered.split('\n');
        buffered = complete.pop() ?? '';
        for (const text of complete.filter(Boolean)) {
          const line = JSON.parse(text) as KnowledgeImportEvent;
          if (line.type === 'source') {
            setLines((before) => [...before, line]);
            setState({ kind: 'busy', text: `Reading… ${line.source}` });
          } else done = line;
        }
      }
      if (done?.type === 'done') {
        const { created, updated, unchanged, failed } = done.totals;
        setState({
          kind: failed > 0 && created + updated + unchanged === 0 ? 'error' : 'done',
          text: `Imported: ${created} added, ${updated} updated, ${unchanged} unchanged, ${failed} failed.`,
        });
        setUrl('');
      } else
        setState({ kind: 'error', text: done?.type === 'error' ? done.detail : 'The import was cut short.' });
      onImported();
    } catch (caught) {
      setState({ kind: 'error', text: caught instanceof Error ? caught.message : String(caught) });
    }
  };

  return (
    <section aria-labelledby="import-title">
      <h2 id="import-title">Add a page or a sitemap</h2>
      <form className="inline" onSubmit={submit}>
        <label htmlFor="import-url">URL of a page or a sitemap.xml</label>
        <input
          id="import-url"
          type="url"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
          placeholder="https://www.example.com/sitemap.xml"
          required
        />
        <button type="submit" className="primary" disabled={state?.kind === 'busy'}>
          Import
        </button>
      </form>
      {state && (
        <p
          className={state.kind === 'error' ? 'error' : 'note'}
          role={state.kind === 'error' ? 'alert' : 'status'}
        >
          {state.text}
        </p>
      )}
      {lines.length > 0 && (
        <ul className="import-progress" aria-label="Imported pages">
          {lines.map((line) => (
            <li key={line.source} data-outcome={line.outcome}>
              {line.outcome}: {line.title ?? line.source}
              {line.passage_count !== undefined &&
                ` (${line.passage_count} ${line.passage_count === 1 ? 'passage' : 'passages'})`}
              {line.reason && ` — ${line.reason}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

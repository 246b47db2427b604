/** Adds a document: pasted, or read from a chosen or dropped file (its extension gives the format). */
import type { DocumentFormat, KnowledgeDocument } from '@miptech/protocol';
import { type DragEvent, type FormEvent, useState } from 'react';
import { useSession } from '../session/session-context.ts';

function formatOf(fileName: string): DocumentFormat {
  if (/\.(md|markdown|mdx)$/i.test(fileName)) return 'markdown';
  if (/\.html?$/i.test(fileName)) return 'html';
  return 'text';
}

export function AddDocument({ onAdded }: { onAdded(): void }) {
  const { auth } = useSession();
  const [title, setTitle] = useState('');
  const [source, setSource] = useState('');
  const [format, setFormat] = useState<DocumentFormat>('markdown');
  const [body, setBody] = useState('');
  const [status, setStatus] = useState<{ kind: 'busy' | 'done' | 'error'; text: string } | undefined>();

  const readFile = async (file: File) => {
    setBody(await file.text());
    setFormat(formatOf(file.name));
    if (!source) setSource(file.name);
  };

  const onDrop = (event: DragEvent) => {
    const file = event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    void readFile(file);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ kind: 'busy', text: 'Adding the document…' });
    try {
      const added = await auth.request<KnowledgeDocument>('/knowledge/documents', {
        method: 'POST',
        body: { source: source.trim(), format, body, ...(title.trim() ? { title: title.trim() } : {}) },
      });
      setStatus({ kind: 'done', text: `Added "${added.title}" (${added.passage_count} passages).` });
      setTitle('');
      setSource('');
      setBody('');
      onAdded();
    } catch (caught) {
      setStatus({ kind: 'error', text: caught instanceof Error ? caught.message : String(caught) });
    }
  };

  return (
    <section aria-labelledby="add-title">
      <h2 id="add-title">Add a document</h2>
      <form className="stack" onSubmit={submit}>
        <label>
          Title (optional: the first heading otherwise)
          <input value={title} onChange={(event) => setTitle(event.target.value)} />
        </label>
        <label>
          Source (a URL or a name; the same source replaces the document)
          <input value={source} onChange={(event) => setSource(event.target.value)} required />
        </label>
        <label>
          Format
          <select value={format} onChange={(event) => setFormat(event.target.value as DocumentFormat)}>
            <option value="markdown">Markdown</option>
            <option value="html">HTML</option>
            <option value="text">Plain text</option>
          </select>
        </label>
        <label>
          File (Markdown, HTML or text)
          <input
            type="file"
            accept=".md,.markdown,.mdx,.html,.htm,.txt,text/*"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void readFile(file);
            }}
          />
        </label>
        <label>
          Content (paste it, or drop a file here)
          <textarea
            value={body}
            onChange={(event) => setBody(event.target.value)}
            onDragOver={(event) => event.preventDefault()}
            onDrop={onDrop}
            rows={8}
            required
          />
        </label>
        <button type="submit" className="primary" disabled={status?.kind === 'busy'}>
          Add document
        </button>
        {status && (
          <p
            className={status.kind === 'error' ? 'error' : 'note'}
            role={status.kind === 'error' ? 'alert' : 'status'}
          >
            {status.text}
          </p>
        )}
      </form>
    </section>
  );
}

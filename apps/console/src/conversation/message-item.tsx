/**
 * One message of the thread. Text is rendered as text (never HTML: replies are plain text, and a
 * visitor's words must not run in an operator's console). A reply being written says so.
 */
import type { ChatMessage } from '@miptech/client';
import type { Note } from '@miptech/protocol';

function author(message: ChatMessage): string {
  switch (message.role) {
    case 'user':
      return 'Visitor';
    case 'assistant':
      return 'AI assistant';
    case 'human':
      return typeof message.metadata.operator === 'string' ? message.metadata.operator : 'Operator';
    default:
      return 'Note';
  }
}

export function MessageItem({ message }: { message: ChatMessage }) {
  if (message.role === 'system')
    return (
      <li className="message system" data-status={message.status}>
        {message.content}
      </li>
    );
  return (
    <li className={`message ${message.role}`} data-status={message.status}>
      <span className="author">
        {author(message)}
        {message.status === 'streaming' && <span className="writing"> · writing…</span>}
        {(message.status === 'stopped' || message.status === 'interrupted') && (
          <span className="writing"> · {message.status}</span>
        )}
      </span>
      <p className="text">{message.content}</p>
      {message.sources.length > 0 && (
        <ol className="sources" aria-label="Sources">
          {message.sources.map((source) => (
            <li key={source.n} value={source.n}>
              {source.url ? (
                <a href={source.url} target="_blank" rel="noopener noreferrer">
                  {source.title}
                </a>
              ) : (
                source.title
              )}
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

/** An internal note in the thread: marked as such, so nobody takes it for something the visitor saw. */
export function NoteItem({ note }: { note: Note }) {
  return (
    <li className="message note">
      <span className="author">Internal note · {note.author_name} (the visitor does not see it)</span>
      <p className="text">{note.content}</p>
    </li>
  );
}

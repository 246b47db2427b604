/** One message of the conversation: a bubble with its author, status, sources; or a notice. */
import type { ChatMessage } from '@miptech/client';
import { Markdown } from './markdown.tsx';
import type { WidgetStrings } from './strings.ts';

export interface MessageItemProps {
  message: ChatMessage;
  strings: WidgetStrings;
  onRetry: (clientMessageId: string) => void;
  /** The platform's URL: a source's link may be a path on the platform (its demo site's pages). */
  baseUrl: string;
}

/** A source's link, absolute, if it is an `http(s)` one. */
function linkOf(url: string | null, baseUrl: string): string | undefined {
  if (!url) return undefined;
  try {
    const resolved = new URL(url, baseUrl || undefined);
    return resolved.protocol === 'https:' || resolved.protocol === 'http:' ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}

export function MessageItem({ message, strings, onRetry, baseUrl }: MessageItemProps) {
  if (message.role === 'system') return <p className="notice">{message.content}</p>;
  const author =
    message.role === 'user' ? strings.you : message.role === 'human' ? strings.person : strings.assistant;
  return (
    <div className={`row ${message.role}`} data-status={message.status}>
      <div className="bubble">
        <span className={message.role === 'user' ? 'visually-hidden' : 'author'}>{author}</span>
        <Markdown text={message.content} />
        {message.sources.length > 0 && message.status !== 'streaming' && (
          <ul className="sources" aria-label={strings.sources}>
            {message.sources.map((source) => (
              <li key={source.n}>
                {linkOf(source.url, baseUrl) ? (
                  <a href={linkOf(source.url, baseUrl)} target="_blank" rel="noopener noreferrer">
                    [{source.n}] {source.title}
                  </a>
                ) : (
                  <span>
                    [{source.n}] {source.title}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        {message.role === 'user' && (
          <Status message={message} strings={strings} onRetry={onRetry} baseUrl={baseUrl} />
        )}
      </div>
    </div>
  );
}

function Status({ message, strings, onRetry }: MessageItemProps) {
  if (message.status === 'error') {
    return (
      <div className="meta failed" role="alert">
        <span>{strings.failed}</span>
        <button
          type="button"
          className="link-button"
          onClick={() => message.client_message_id && onRetry(message.client_message_id)}
        >
          {strings.retry}
        </button>
      </div>
    );
  }
  return <div className="meta">{message.status === 'sending' ? strings.sending : strings.sent}</div>;
}

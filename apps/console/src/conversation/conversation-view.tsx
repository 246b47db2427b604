/**
 * A conversation: the thread (the AI's reply streams in live, internal notes in their place), the
 * actions an operator has (take over, reply as a human or write a note, give back to the AI,
 * close, reopen) and the visitor panel.
 */
import type { Viewer } from '@miptech/protocol';
import { type FormEvent, Fragment, useEffect, useRef, useState } from 'react';
import { visitorLabel } from '../inbox/inbox-lists.ts';
import { statusLabel } from '../inbox/inbox-screen.tsx';
import { follow, hrefOf } from '../router.ts';
import { useSession } from '../session/session-context.ts';
import { MessageItem, NoteItem } from './message-item.tsx';
import { useConversation } from './use-conversation.ts';
import { VisitorPanel } from './visitor-panel.tsx';

interface Props {
  chatId: string;
}

export function ConversationView({ chatId }: Props) {
  const { user } = useSession();
  const conversation = useConversation(chatId);
  const { chat, messages, notes } = conversation;
  const [draft, setDraft] = useState('');
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [sending, setSending] = useState(false);
  const thread = useRef<HTMLOListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // Opening a chat moves focus to its heading, so keyboard and screen-reader users land in it.
  useEffect(() => heading.current?.focus(), []);
  // Follow the thread as it grows (a streaming reply included).
  const lastLength = messages.at(-1)?.content.length ?? 0;
  useEffect(() => {
    const list = thread.current;
    if (list && messages.length + lastLength + notes.length >= 0) list.scrollTop = list.scrollHeight;
  }, [messages.length, lastLength, notes.length]);

  if (!chat)
    return (
      <div className="conversation">
        <p role="status">{conversation.error ?? 'Loading the chat…'}</p>
      </div>
    );

  const mine = chat.status === 'with_human' && chat.assigned_to === user.id;
  const heldByOther = chat.status === 'with_human' && chat.assigned_to !== user.id;
  // Offered on a colleague's chat too: the refusal then says who has it ("Anna has this chat").
  const canTake = chat.status !== 'closed' && !mine;
  const canReply = chat.status !== 'closed' && !heldByOther;
  // A note changes nothing for the visitor, so any operator may write one, on any chat.
  const canSend = mode === 'note' || canReply;
  const notesAfter = (seq: number | null) => notes.filter((note) => note.after_seq === seq);
  // Notes written after messages the thread does not hold (yet) go at its end.
  const heldSeqs = new Set(messages.map((message) => message.seq));
  const trailingNotes = notes.filter((note) => note.after_seq !== 0 && !heldSeqs.has(note.after_seq));

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const content = draft.trim();
    if (!content) return;
    setSending(true);
    try {
      if (mode === 'note') await conversation.addNote(content);
      else await conversation.reply(content);
      setDraft('');
    } catch {
      // The error is shown by the conversation.
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="conversation">
      <div className="conversation-main">
        <header className="conversation-header">
          <a className="back" href={hrefOf({ screen: 'inbox' })} onClick={follow({ screen: 'inbox' })}>
            ← All chats
          </a>
          <h2 ref={heading} tabIndex={-1}>
            {visitorLabel(chat)}
          </h2>
          <p className="viewers" role="status">
            {viewingLine(conversation.viewers.filter((viewer) => viewer.operator_id !== user.id))}
          </p>
          <p className="status" data-status={chat.status} aria-live="polite">
            {statusLabel(chat.status)}
            {mine ? ' · you have this chat' : heldByOther ? ' · another operator has this chat' : ''}
          </p>
          <div className="actions">
            {canTake && (
              <button type="button" className="primary" onClick={() => void conversation.act('takeover')}>
                Take over
              </button>
            )}
            {(chat.status === 'with_human' || chat.status === 'waiting_for_human') && (
              <button type="button" onClick={() => void conversation.act('release')}>
                Give back to the AI
              </button>
            )}
            {chat.status !== 'closed' && (
              <button type="button" onClick={() => void conversation.act('close')}>
                Close
              </button>
            )}
            {chat.status === 'closed' && (
              <button type="button" className="primary" onClick={() => void conversation.act('reopen')}>
                Reopen
              </button>
            )}
          </div>
        </header>
        {conversation.error && (
          <p className="error" role="alert">
            {conversation.error}
          </p>
        )}
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling thread must be reachable by keyboard to scroll it (WCAG 2.1.1) */}
        <ol className="thread" ref={thread} aria-label="Messages" tabIndex={0}>
          {notesAfter(0).map((note) => (
            <NoteItem key={note.id} note={note} />
          ))}
          {messages.map((message) => (
            <Fragment key={message.seq ?? message.id}>
              <MessageItem message={message} />
              {message.seq !== null &&
                notesAfter(message.seq).map((note) => <NoteItem key={note.id} note={note} />)}
            </Fragment>
          ))}
          {trailingNotes.map((note) => (
            <NoteItem key={note.id} note={note} />
          ))}
        </ol>
        {/* Always in the page, so that screen readers announce the text when it appears. */}
        <p className="typing" role="status">
          {conversation.visitorTyping ? 'The visitor is typing…' : ''}
        </p>
        <form className="composer" onSubmit={send}>
          <fieldset className="composer-mode">
            <legend>Write</legend>
            <label>
              <input
                type="radio"
                name="composer-mode"
                checked={mode === 'reply'}
                onChange={() => setMode('reply')}
              />{' '}
              A reply to the visitor
            </label>
            <label>
              <input
                type="radio"
                name="composer-mode"
                checked={mode === 'note'}
                onChange={() => setMode('note')}
              />{' '}
              An internal note
            </label>
          </fieldset>
          <label htmlFor="reply">
            {mode === 'note' ? 'Internal note (only the team sees it)' : `Reply as ${user.name}`}
          </label>
          <textarea
            id="reply"
            value={draft}
            disabled={!canSend || sending}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
            rows={3}
            aria-describedby="reply-hint"
          />
          <p id="reply-hint" className="hint">
            {mode === 'note'
              ? 'Enter saves the note; the visitor never sees it.'
              : canReply
                ? mine
                  ? 'Enter sends; Shift+Enter for a new line.'
                  : 'Sending takes the chat over from the AI.'
                : chat.status === 'closed'
                  ? 'The chat is closed.'
                  : 'Another operator has this chat.'}
          </p>
          <button type="submit" className="primary" disabled={!canSend || sending || !draft.trim()}>
            {mode === 'note' ? 'Save note' : 'Send'}
          </button>
        </form>
      </div>
      <VisitorPanel chat={chat} />
    </div>
  );
}

/** "Anna is viewing", "Anna and Bruno are viewing", "Anna, Bruno and Carla are viewing"; empty for nobody. */
export function viewingLine(viewers: readonly Viewer[]): string {
  const names = viewers.map((viewer) => viewer.name);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is viewing`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are viewing`;
}

/**
 * The inbox: the lists on one side, the open conversation on the other (on a tablet in portrait,
 * one at a time). "Needs a human" is the first list and the one shown first.
 */
import { useMemo, useState } from 'react';
import { ConversationView } from '../conversation/conversation-view.tsx';
import { useNow, waitingFor } from '../format.ts';
import { follow, hrefOf } from '../router.ts';
import { useSession } from '../session/session-context.ts';
import { LISTS, type ListId, listOf, matches, pageOf, visitorLabel } from './inbox-lists.ts';
import { useHandoffNotice } from './use-handoff-notice.ts';
import { useInbox } from './use-inbox.ts';

export function InboxScreen({ chatId }: { chatId: string | undefined }) {
  const { user } = useSession();
  const inbox = useInbox();
  const now = useNow();
  const [list, setList] = useState<ListId>('waiting');
  const [query, setQuery] = useState('');
  const lists = useMemo(
    () =>
      Object.fromEntries(LISTS.map(({ id }) => [id, listOf(inbox.chats, id, user.id)])) as Record<
        ListId,
        ReturnType<typeof listOf>
      >,
    [inbox.chats, user.id],
  );
  useHandoffNotice(lists.waiting, inbox.loaded);
  const shown = lists[list].filter((chat) => matches(chat, query));
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'function' ? Notification.permission : 'denied',
  );

  return (
    <main className={`inbox ${chatId ? 'has-chat' : ''}`} id="main">
      <section className="inbox-lists" aria-labelledby="inbox-title">
        <h1 id="inbox-title">Inbox</h1>
        <div className="tabs" role="tablist" aria-label="Lists">
          {LISTS.map(({ id, label }) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`tab-${id}`}
              aria-selected={list === id}
              aria-controls="chat-list"
              onClick={() => setList(id)}
            >
              {label} <span className="count">{lists[id].length}</span>
            </button>
          ))}
        </div>
        <label className="search">
          Search visitors and pages
          <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} />
        </label>
        {permission === 'default' && (
          <button
            type="button"
            className="link"
            onClick={() => void Notification.requestPermission().then(setPermission)}
          >
            Notify me of new handoffs
          </button>
        )}
        {inbox.error && (
          <p className="error" role="alert">
            {inbox.error}
          </p>
        )}
        <div id="chat-list" role="tabpanel" aria-labelledby={`tab-${list}`}>
          {inbox.loaded && shown.length === 0 && <p className="empty">No chats here.</p>}
          <ul className="chat-list">
            {shown.map((chat) => (
              <li key={chat.id}>
                <a
                  href={hrefOf({ screen: 'inbox', chatId: chat.id })}
                  onClick={follow({ screen: 'inbox', chatId: chat.id })}
                  aria-current={chat.id === chatId ? 'true' : undefined}
                  className="chat-item"
                  data-status={chat.status}
                >
                  <span className="chat-visitor">{visitorLabel(chat)}</span>
                  {chat.status === 'waiting_for_human' && (
                    <span className="waiting">waiting {waitingFor(chat.updated_at, now)}</span>
                  )}
                  <span className="chat-meta">
                    {statusLabel(chat.status)} · {pageOf(chat) ?? chat.title}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </div>
      </section>
      <section className="inbox-conversation" aria-label="Conversation">
        {chatId ? (
          <ConversationView key={chatId} chatId={chatId} onChanged={inbox.refresh} />
        ) : (
          <p className="empty">Choose a chat to read it.</p>
        )}
      </section>
    </main>
  );
}

export function statusLabel(status: string): string {
  switch (status) {
    case 'waiting_for_human':
      return 'Needs a human';
    case 'with_human':
      return 'With a person';
    case 'active':
      return 'AI answering';
    default:
      return 'Closed';
  }
}

/**
 * The inbox: the lists on one side, the open conversation on the other (on a tablet in portrait,
 * one at a time). "Needs a human" is the first list and the one shown first. Lists are live (see
 * use-inbox.ts), paged (a page of 50, then "Show more"), and searched on the server.
 */
import { useEffect, useMemo, useState } from 'react';
import { ConversationView } from '../conversation/conversation-view.tsx';
import { useNow } from '../format.ts';
import { useSession } from '../session/session-context.ts';
import { ChatEntry } from './chat-entry.tsx';
import { LISTS, type ListId, listOf } from './inbox-lists.ts';
import { useHandoffNotice } from './use-handoff-notice.ts';
import { useInbox } from './use-inbox.ts';

export { statusLabel } from './chat-entry.tsx';

/** How long typing pauses before the search goes to the server. */
const SEARCH_DELAY_MS = 300;

export function InboxScreen({ chatId }: { chatId: string | undefined }) {
  const { user } = useSession();
  const inbox = useInbox();
  const now = useNow();
  const [list, setList] = useState<ListId>('waiting');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ key: string; ids: Set<string> } | undefined>();
  const lists = useMemo(
    () =>
      Object.fromEntries(LISTS.map(({ id }) => [id, listOf(inbox.chats, id, user.id)])) as Record<
        ListId,
        typeof inbox.chats
      >,
    [inbox.chats, user.id],
  );
  useHandoffNotice(lists.waiting, inbox.loaded);
  const [permission, setPermission] = useState(() =>
    typeof Notification === 'function' ? Notification.permission : 'denied',
  );

  const text = query.trim();
  const searchKey = `${list}\n${text}`;
  const { search } = inbox;
  useEffect(() => {
    if (!text) return;
    let live = true;
    const timer = setTimeout(() => {
      search(list, text)
        .then((ids) => {
          if (live) setFound({ key: `${list}\n${text}`, ids: new Set(ids) });
        })
        .catch(() => undefined);
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [list, text, search]);
  const searching = text !== '';
  const searchDone = searching && found?.key === searchKey;
  // Search results stay live: a chat that changes list leaves them, its line updates in place.
  const shown = searching
    ? searchDone
      ? lists[list].filter((chat) => found.ids.has(chat.id))
      : []
    : lists[list];

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
              {label}{' '}
              <span className="count">
                {lists[id].length}
                {inbox.hasMore(id) ? '+' : ''}
              </span>
            </button>
          ))}
        </div>
        <label className="search">
          Search visitors, pages and messages
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
        {!inbox.live && inbox.loaded && (
          <p className="hint" role="status">
            Reconnecting… the list updates again once the connection is back.
          </p>
        )}
        {inbox.error && (
          <p className="error" role="alert">
            {inbox.error}
          </p>
        )}
        <div id="chat-list" role="tabpanel" aria-labelledby={`tab-${list}`} aria-busy={!inbox.loaded}>
          {searching && !searchDone && <p className="empty">Searching…</p>}
          {inbox.loaded && (!searching || searchDone) && shown.length === 0 && (
            <p className="empty">{searching ? 'No chat matches.' : 'No chats here.'}</p>
          )}
          <ul className="chat-list">
            {shown.map((chat) => (
              <li key={chat.id}>
                <ChatEntry chat={chat} current={chat.id === chatId} now={now} />
              </li>
            ))}
          </ul>
          {!searching && inbox.hasMore(list) && (
            <button type="button" className="more" onClick={() => void inbox.loadMore(list)}>
              Show more chats
            </button>
          )}
        </div>
      </section>
      <section className="inbox-conversation" aria-label="Conversation">
        {chatId ? (
          <ConversationView key={chatId} chatId={chatId} />
        ) : (
          <p className="empty">Choose a chat to read it.</p>
        )}
      </section>
    </main>
  );
}

/**
 * The tenant's chats, kept current over the console's socket: the inbox subscribes once
 * (`inbox_subscribe`) and applies every `inbox_chat` frame. It reads the lists over REST only when
 * a subscription starts (the first connection and every reconnection, marked by
 * `inbox_subscribed`), after a bus outage (`inbox_resync`), and when the operator pages or
 * searches. No polling. See docs/protocol.md, "The operator inbox".
 */
import type { ChatSummary, ChatSummaryPage } from '@miptech/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSession } from '../session/session-context.ts';
import { isConsoleTest, LISTS, type ListId } from './inbox-lists.ts';

/** Chats per page: the first page of each list renders at once, however many chats are open. */
export const PAGE_SIZE = 50;

export interface Inbox {
  /** Every chat the console holds (from list pages and live frames), visitors' only. */
  chats: ChatSummary[];
  loaded: boolean;
  error: string | undefined;
  /** Whether a list has more pages on the server than the console holds. */
  hasMore(list: ListId): boolean;
  /** Reads the next page of a list. */
  loadMore(list: ListId): Promise<void>;
  /** Chats matching a search in a list (server-side: visitor, page, title, message content), live-updated. */
  search(list: ListId, text: string): Promise<string[]>;
  /** Whether the socket is connected (frames arrive). */
  live: boolean;
}

/** A newer copy of a chat wins: every change moves `last_seq`; a tie goes to the later update. */
function newer(held: ChatSummary | undefined, incoming: ChatSummary): boolean {
  if (!held) return true;
  if (incoming.last_seq !== held.last_seq) return incoming.last_seq > held.last_seq;
  return incoming.updated_at >= held.updated_at;
}

export function useInbox(): Inbox {
  const { auth, realtime } = useSession();
  const [byId, setById] = useState<ReadonlyMap<string, ChatSummary>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState(realtime.state === 'open');
  const cursors = useRef(new Map<ListId, string | null>());
  const [, setCursorsVersion] = useState(0);

  const merge = useCallback((items: readonly ChatSummary[]) => {
    setById((current) => {
      let next: Map<string, ChatSummary> | undefined;
      for (const chat of items) {
        if (isConsoleTest(chat) || !newer(current.get(chat.id), chat)) continue;
        next ??= new Map(current);
        next.set(chat.id, chat);
      }
      return next ?? current;
    });
  }, []);

  const readPage = useCallback(
    (query: string, cursor?: string) =>
      auth.request<ChatSummaryPage>(
        `/chats?${query}&limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    [auth],
  );

  /** The first page of every list: on each new subscription, since frames were not sent meanwhile. */
  const refetch = useCallback(async () => {
    try {
      const pages = await Promise.all(LISTS.map(({ query }) => readPage(query)));
      pages.forEach((page, index) => {
        const list = LISTS[index];
        if (list) cursors.current.set(list.id, page.next_cursor);
      });
      merge(pages.flatMap((page) => page.items));
      setCursorsVersion((version) => version + 1);
      setLoaded(true);
      setError(undefined);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  }, [readPage, merge]);

  useEffect(() => {
    const offFrame = realtime.on('frame', (frame) => {
      if (frame.type === 'inbox_subscribed' || frame.type === 'inbox_resync') void refetch();
      else if (frame.type === 'inbox_chat') merge([frame.chat]);
      else if (frame.type === 'error' && !('chat_id' in frame && frame.chat_id)) setError(frame.detail);
    });
    const offState = realtime.on('state', (state) => setLive(state === 'open'));
    realtime.subscribeInbox();
    return () => {
      offFrame();
      offState();
      realtime.unsubscribeInbox();
    };
  }, [realtime, refetch, merge]);

  const hasMore = useCallback((list: ListId) => Boolean(cursors.current.get(list)), []);

  const loadMore = useCallback(
    async (list: ListId) => {
      const cursor = cursors.current.get(list);
      const query = LISTS.find((entry) => entry.id === list)?.query;
      if (!cursor || !query) return;
      try {
        const page = await readPage(query, cursor);
        cursors.current.set(list, page.next_cursor);
        merge(page.items);
        setCursorsVersion((version) => version + 1);
      } catch (caught) {
        setError(caught instanceof Error ? caught.message : String(caught));
      }
    },
    [readPage, merge],
  );

  const search = useCallback(
    async (list: ListId, text: string) => {
      const query = LISTS.find((entry) => entry.id === list)?.query ?? '';
      const page = await readPage(`${query}&q=${encodeURIComponent(text)}`);
      merge(page.items);
      return page.items.map((chat) => chat.id);
    },
    [readPage, merge],
  );

  const chats = useMemo(() => [...byId.values()], [byId]);
  return { chats, loaded, error, hasMore, loadMore, search, live };
}

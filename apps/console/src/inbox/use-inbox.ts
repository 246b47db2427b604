/**
 * The tenant's chats, kept current. The gateway has no tenant-wide event yet (a socket hears only
 * the chats it joined), so the inbox polls `GET /api/v1/chats` every few seconds, and at once
 * when its own socket reports a status change. See README, "Operator console".
 */
import type { Chat, ChatPage } from '@miptech/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session/session-context.ts';
import { isConsoleTest } from './inbox-lists.ts';

const POLL_MS = 2000;

export interface Inbox {
  chats: Chat[];
  loaded: boolean;
  error: string | undefined;
  refresh(): void;
}

export function useInbox(): Inbox {
  const { auth, realtime } = useSession();
  const [chats, setChats] = useState<Chat[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const inFlight = useRef(false);

  const refresh = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    auth
      .request<ChatPage>('/chats?limit=200')
      .then((page) => {
        setChats(page.items.filter((chat) => !isConsoleTest(chat)));
        setLoaded(true);
        setError(undefined);
      })
      .catch((caught: unknown) => setError(caught instanceof Error ? caught.message : String(caught)))
      .finally(() => {
        inFlight.current = false;
      });
  }, [auth]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    const off = realtime.on('frame', (frame) => {
      if (frame.type === 'chat_status') refresh();
    });
    return () => {
      clearInterval(timer);
      off();
    };
  }, [refresh, realtime]);

  return { chats, loaded, error, refresh };
}

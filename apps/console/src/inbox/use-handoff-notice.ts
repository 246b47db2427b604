/**
 * New handoffs get noticed: the tab's title carries the count waiting, and a browser notification
 * is shown for each new one when the operator allowed notifications.
 */
import type { Chat } from '@miptech/protocol';
import { useEffect, useRef } from 'react';
import { visitorLabel } from './inbox-lists.ts';

export function useHandoffNotice(waiting: readonly Chat[], loaded: boolean): void {
  const seen = useRef<Set<string> | undefined>(undefined);
  useEffect(() => {
    document.title =
      waiting.length > 0 ? `(${waiting.length}) Inbox · MIPTech console` : 'Inbox · MIPTech console';
    if (!loaded) return;
    // The first load is the backlog, not news.
    if (!seen.current) {
      seen.current = new Set(waiting.map((chat) => chat.id));
      return;
    }
    for (const chat of waiting) {
      if (seen.current.has(chat.id)) continue;
      seen.current.add(chat.id);
      if (typeof Notification === 'function' && Notification.permission === 'granted') {
        new Notification('A visitor needs a human', { body: visitorLabel(chat), tag: chat.id });
      }
    }
  }, [waiting, loaded]);
  useEffect(
    () => () => {
      document.title = 'MIPTech console';
    },
    [],
  );
}

/** The wire form of an inbox line (`ChatSummary`), shared by `GET /chats` and `inbox_chat` frames. */
import type { ChatSummary } from '@miptech/protocol';
import type { ChatLine } from '../chat/inbox-feed.ts';
import { toWireChat } from './routes/chats.ts';

export function toWireSummary({ chat, activity }: ChatLine): ChatSummary {
  const page = chat.context.page_url;
  return {
    ...toWireChat(chat),
    last_message: activity.last_message,
    unread_count: activity.unread_count,
    current_page: activity.last_page_url ?? (typeof page === 'string' ? page : null),
    // The handoff's own message says when it was asked; the chat's `updated_at` moves with every
    // message, so it is only the fallback for a chat whose status message was never written.
    waiting_since: chat.status === 'waiting_for_human' ? (activity.handoff_at ?? chat.updated_at) : null,
  };
}

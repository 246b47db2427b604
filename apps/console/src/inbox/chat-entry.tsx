/** One chat in an inbox list: who, how long they have waited, what was said last, unanswered count, page. */
import type { ChatSummary } from '@miptech/protocol';
import { waitingFor } from '../format.ts';
import { follow, hrefOf } from '../router.ts';
import { pageOf, visitorLabel, waitingSince } from './inbox-lists.ts';

const AUTHORS: Record<string, string> = {
  user: 'Visitor',
  assistant: 'AI',
  human: 'Operator',
  system: 'Note',
};

export function ChatEntry({ chat, current, now }: { chat: ChatSummary; current: boolean; now: number }) {
  const last = chat.last_message;
  return (
    <a
      href={hrefOf({ screen: 'inbox', chatId: chat.id })}
      onClick={follow({ screen: 'inbox', chatId: chat.id })}
      aria-current={current ? 'true' : undefined}
      className="chat-item"
      data-status={chat.status}
    >
      <span className="chat-line">
        <span className="chat-visitor">{visitorLabel(chat)}</span>
        {chat.unread_count > 0 && (
          <span className="unread" title="Visitor messages not answered yet">
            {chat.unread_count} unread
          </span>
        )}
      </span>
      {chat.status === 'waiting_for_human' && (
        <span className="waiting">waiting {waitingFor(waitingSince(chat), now)}</span>
      )}
      {last && (
        <span className="chat-last">
          {AUTHORS[last.role] ?? 'Message'}: {last.content}
        </span>
      )}
      <span className="chat-meta">
        {statusLabel(chat.status)} · {pageOf(chat) ?? chat.title}
      </span>
    </a>
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

/**
 * What travels on a tenant's inbox channel: a chat of the tenant as an inbox line shows it, each
 * time it is created, changes state or gets a message. Events carry the whole line, read from the
 * database after the change, so whichever instance serves an operator's socket can send it as it
 * is, and a late event is told apart by its `last_seq` (every change moves it).
 */
import type { InboxChange } from '@miptech/protocol';
import type { ChatActivity, ChatRecord } from '../storage/store.ts';

/** The inbox channel of one tenant: every operator socket of the tenant, on any instance, listens here. */
export const inboxChannel = (tenantId: string): string => `inbox:${tenantId}`;

export interface InboxEvent {
  kind: 'inbox_chat';
  /** Why it was sent. */
  change: InboxChange;
  /** The chat after the change. */
  chat: ChatRecord;
  /** Its last message, unanswered count and page. */
  activity: ChatActivity;
}

/** Narrows a bus event to an inbox event of `tenantId` (the bus carries plain JSON). */
export function asInboxEvent(event: Record<string, unknown>, tenantId: string): InboxEvent | undefined {
  if (event.kind !== 'inbox_chat') return undefined;
  const chat = event.chat as Partial<ChatRecord> | undefined;
  // The channel names the tenant already; the check keeps a mis-published event from crossing over.
  if (typeof chat !== 'object' || chat === null || chat.tenant_id !== tenantId) return undefined;
  if (typeof event.activity !== 'object' || event.activity === null) return undefined;
  return event as unknown as InboxEvent;
}

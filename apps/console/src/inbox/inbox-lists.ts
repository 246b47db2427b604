/**
 * The inbox's four lists, from the chats the console holds. Pure, so the rules are easy to read:
 * "Needs a human" comes first and longest-waiting first; the others are newest first. Each list
 * also names the query that reads its pages from `GET /api/v1/chats`.
 */
import type { Chat, ChatSummary } from '@miptech/protocol';

export type ListId = 'waiting' | 'mine' | 'open' | 'closed';

export const LISTS: Array<{ id: ListId; label: string; query: string }> = [
  { id: 'waiting', label: 'Needs a human', query: 'status=waiting_for_human' },
  { id: 'mine', label: 'Mine', query: 'status=with_human&assigned_to=me' },
  { id: 'open', label: 'All open', query: 'status=active,waiting_for_human,with_human' },
  { id: 'closed', label: 'Closed', query: 'status=closed' },
];

/** Chats the console itself made to try a question (knowledge screen): never a visitor's. */
export const isConsoleTest = (chat: Chat) => chat.context.console_test === true;

/** When a waiting chat asked for a human; its last change for a chat read without a summary. */
export const waitingSince = (chat: Chat & Partial<Pick<ChatSummary, 'waiting_since'>>): string =>
  chat.waiting_since ?? chat.updated_at;

export function listOf<C extends Chat>(chats: readonly C[], id: ListId, operatorId: string): C[] {
  const newestFirst = (a: C, b: C) => b.created_at.localeCompare(a.created_at) || (b.id < a.id ? -1 : 1);
  switch (id) {
    case 'waiting':
      // The waiting time counts from the handoff, not from the visitor's last word since.
      return chats
        .filter((chat) => chat.status === 'waiting_for_human')
        .sort((a, b) => waitingSince(a).localeCompare(waitingSince(b)));
    case 'mine':
      return chats
        .filter((chat) => chat.status === 'with_human' && chat.assigned_to === operatorId)
        .sort(newestFirst);
    case 'open':
      return chats.filter((chat) => chat.status !== 'closed').sort(newestFirst);
    case 'closed':
      return chats.filter((chat) => chat.status === 'closed').sort(newestFirst);
  }
}

/** Matches the visitor's name, email or id, the page, or the title. */
export function matches(chat: Chat, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (!needle) return true;
  const visitor = visitorOf(chat);
  return [visitor.name, visitor.email, chat.visitor_id, pageOf(chat), chat.title]
    .filter((value): value is string => typeof value === 'string')
    .some((value) => value.toLowerCase().includes(needle));
}

export interface VisitorIdentity {
  name?: string;
  email?: string;
}

/** `context.visitor`, as the widget's `identify` sends it; anything else is ignored. */
export function visitorOf(chat: Chat): VisitorIdentity {
  const visitor = chat.context.visitor;
  if (!visitor || typeof visitor !== 'object') return {};
  const { name, email } = visitor as Record<string, unknown>;
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  };
}

/** The page the visitor is on: from their newest message when the summary has it, else where the chat began. */
export const pageOf = (chat: Chat & { current_page?: string | null }): string | undefined =>
  chat.current_page ?? (typeof chat.context.page_url === 'string' ? chat.context.page_url : undefined);

export function visitorLabel(chat: Chat): string {
  const visitor = visitorOf(chat);
  return visitor.name ?? visitor.email ?? `Visitor ${chat.visitor_id.slice(-6)}`;
}

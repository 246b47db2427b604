/**
 * The inbox's four lists, from the chats the API returns. Pure, so the rules are easy to read:
 * "Needs a human" comes first and longest-waiting first; the others are newest first.
 */
import type { Chat } from '@miptech/protocol';

export type ListId = 'waiting' | 'mine' | 'open' | 'closed';

export const LISTS: Array<{ id: ListId; label: string }> = [
  { id: 'waiting', label: 'Needs a human' },
  { id: 'mine', label: 'Mine' },
  { id: 'open', label: 'All open' },
  { id: 'closed', label: 'Closed' },
];

/** Chats the console itself made to try a question (knowledge screen): never a visitor's. */
export const isConsoleTest = (chat: Chat) => chat.context.console_test === true;

export function listOf(chats: readonly Chat[], id: ListId, operatorId: string): Chat[] {
  switch (id) {
    case 'waiting':
      // The waiting time starts at the status change, which is the chat's last update.
      return chats
        .filter((chat) => chat.status === 'waiting_for_human')
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at));
    case 'mine':
      return chats.filter((chat) => chat.status === 'with_human' && chat.assigned_to === operatorId);
    case 'open':
      return chats.filter((chat) => chat.status !== 'closed');
    case 'closed':
      return chats.filter((chat) => chat.status === 'closed');
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

export const pageOf = (chat: Chat): string | undefined =>
  typeof chat.context.page_url === 'string' ? chat.context.page_url : undefined;

export function visitorLabel(chat: Chat): string {
  const visitor = visitorOf(chat);
  return visitor.name ?? visitor.email ?? `Visitor ${chat.visitor_id.slice(-6)}`;
}

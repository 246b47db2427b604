/**
 * What travels on a chat's bus channel. Messages are in the database already; the bus says so.
 * A reply in progress is not stored on every token, so its events carry the whole text so far:
 * whichever instance serves a socket can send that socket exactly the part it has not seen.
 */
import type { MessageRecord, NoteRecord } from '../storage/store.ts';

/** The channel of one chat. */
export const chatChannel = (tenantId: string, chatId: string): string => `chat:${tenantId}:${chatId}`;

export type ChatEvent =
  /** A final message was committed (a visitor's, an operator's, a system note). */
  | { kind: 'message'; message: MessageRecord }
  /** An assistant reply started or grew: `text` is all of it so far. */
  | { kind: 'response'; message: MessageRecord; text: string }
  /** An assistant reply is final (complete, stopped or interrupted). */
  | { kind: 'response_end'; message: MessageRecord }
  /**
   * Someone is typing; not stored. A visitor's reaches staff sockets only; `name` is an operator's
   * display name.
   */
  | { kind: 'typing'; role: 'visitor' | 'operator'; is_typing: boolean; connection_id: string; name?: string }
  /** A client asked to stop the reply in progress. */
  | { kind: 'stop' }
  /** The chat's status changed. */
  | { kind: 'status'; status: string; seq: number }
  /** Staff wrote an internal note (stored apart from the log; only staff sockets are sent it). */
  | { kind: 'note'; note: NoteRecord };

/** Narrows a bus event to a chat event (the bus carries plain JSON). */
export function asChatEvent(event: Record<string, unknown>): ChatEvent | undefined {
  const kinds = ['message', 'response', 'response_end', 'typing', 'stop', 'status', 'note'];
  return typeof event.kind === 'string' && kinds.includes(event.kind)
    ? (event as unknown as ChatEvent)
    : undefined;
}

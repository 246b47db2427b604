/**
 * WebSocket frames of `/api/v1/ws` (also `/api/v1/ws/chat` and `/ws`), described in
 * `docs/protocol.md`. Every frame is a JSON object with a `type`. Client frames are validated
 * with the zod schemas below; server frames are typed for clients.
 *
 * Every frame about a chat carries the chat's `seq`: for a message, its own; for a reply in
 * progress, the seq of the reply; for ephemeral frames (typing), the newest seq at the time.
 */
import { z } from 'zod';
import type { ChatSummary, InboxChange, Note } from './inbox.ts';
import type { Viewer } from './presence.ts';
import type { Message } from './rest.ts';

export { CLOSE_CODES } from './close-codes.ts';

const chatId = z.string().min(1).max(128);
const opaqueId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/);

/** Frames a client may send. */
export const ClientFrame = z.discriminatedUnion('type', [
  /** The seed client's first frame; a `token` in it authenticates the connection. */
  z.object({
    type: z.literal('auth'),
    data: z
      .looseObject({
        tenant_id: z.string().max(63).optional(),
        session_id: z.string().max(128).optional(),
        token: z.string().max(4096).optional(),
      })
      .optional(),
  }),
  /** Start receiving a chat's frames; with `since_seq`, everything after it first. */
  z.object({
    type: z.literal('join'),
    chat_id: chatId,
    since_seq: z.number().int().min(0).optional(),
    /** Receive assistant replies as they are written (`response_*` frames) instead of only once complete. */
    stream: z.boolean().optional(),
  }),
  z.object({ type: z.literal('leave'), chat_id: chatId }),
  /** Post a message as the visitor; answered with `ack` once committed. */
  z.object({
    type: z.literal('message'),
    chat_id: chatId,
    content: z.string().max(64_000),
    client_message_id: opaqueId.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  /**
   * The sender is typing (`true`, repeated every few seconds while it lasts) or stopped (`false`).
   * Not stored. A visitor's goes to the chat's staff sockets only; an operator's to everyone else
   * on the chat. Repeats within `TYPING_RELAY_INTERVAL_MS` are dropped by the server.
   */
  z.object({ type: z.literal('typing'), chat_id: chatId, is_typing: z.boolean() }),
  /**
   * Operators only: this socket shows the chat to its operator (`true`, on opening it) or no
   * longer (`false`, on navigating away). Staff sockets on the chat get `presence` frames.
   */
  z.object({ type: z.literal('viewing'), chat_id: chatId, is_viewing: z.boolean() }),
  /** Stop the assistant's reply in progress. */
  z.object({ type: z.literal('stop'), chat_id: chatId }),
  z.object({ type: z.literal('ping'), ts: z.number().optional() }),
  /**
   * Operators only: receive an `inbox_chat` frame whenever any chat of the tenant is created,
   * changes status or assignee, or gets a message. Visitors are refused (`insufficient_role`).
   */
  z.object({ type: z.literal('inbox_subscribe') }),
  z.object({ type: z.literal('inbox_unsubscribe') }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Frames the server sends. */
export type ServerFrame =
  | {
      type: 'connection_established';
      connection_id: string;
      tenant_id: string;
      session_id: string | null;
      protocol_version: string;
      heartbeat_interval_ms: number;
      /** Who the connection acts as. */
      principal: 'visitor' | 'operator' | 'anonymous';
    }
  | {
      type: 'auth_ok';
      tenant_id: string;
      session_id: string | null;
      principal: 'visitor' | 'operator' | 'anonymous';
    }
  | {
      type: 'joined';
      chat_id: string;
      /** The newest seq of the chat when joined. */
      seq: number;
      /** False when the history since `since_seq` could not be replayed: a `snapshot` follows instead. */
      recovered: boolean;
    }
  | { type: 'chat_message'; chat_id: string; seq: number; message: Message }
  | {
      type: 'ack';
      chat_id: string;
      seq: number;
      client_message_id: string | null;
      message: Message;
      replayed: boolean;
    }
  | { type: 'response_start'; chat_id: string; seq: number; message: Message; text: string }
  | {
      type: 'response_delta';
      chat_id: string;
      seq: number;
      message_id: string;
      offset: number;
      delta: string;
    }
  | { type: 'response_end'; chat_id: string; seq: number; message: Message }
  | {
      type: 'typing';
      chat_id: string;
      seq: number;
      role: 'visitor' | 'operator';
      is_typing: boolean;
      /** With `role: 'operator'`: the operator's display name ("Anna is typing…"). */
      name?: string;
    }
  /**
   * Staff sockets only: the operators viewing the chat now, on every instance, each once (the
   * receiver included when it declared `viewing`). The whole list each time: replace, do not merge.
   */
  | { type: 'presence'; chat_id: string; seq: number; viewers: Viewer[] }
  | { type: 'chat_status'; chat_id: string; seq: number; status: string }
  | { type: 'snapshot'; chat_id: string; seq: number; messages: Message[] }
  | { type: 'pong'; ts: number | null; server_time: string }
  /** An internal note on a joined chat; only operator sockets receive it. `seq`: the note's `after_seq`. */
  | { type: 'chat_note'; chat_id: string; seq: number; note: Note }
  /** The inbox subscription is live: read the list (REST) now, then apply `inbox_chat` frames. */
  | { type: 'inbox_subscribed'; tenant_id: string }
  /**
   * A chat of the tenant as it is now. Apply it when its `last_seq` is at least the one held
   * (every status change and message moves `last_seq`, so an older frame never wins).
   */
  | { type: 'inbox_chat'; change: InboxChange; chat: ChatSummary }
  /** Frames may have been missed (the bus between instances was down): read the list again. */
  | { type: 'inbox_resync'; tenant_id: string }
  | {
      type: 'error';
      code: string;
      detail: string;
      chat_id?: string;
      /** With `rate_limited` and `too_many_connections`: whole seconds to wait before trying again. */
      retry_after?: number;
    };

/**
 * Chats and messages: the rules every entry point (REST now, WebSocket later) shares. Routes only
 * translate HTTP to these calls.
 */
import { randomUUID } from 'node:crypto';
import { type ChatContext, MAX_MESSAGE_LENGTH, type MessageRole } from '@miptech/protocol';
import { ApiError } from '../errors/api-error.ts';
import type {
  ChatQuery,
  ChatRecord,
  ChatSlice,
  MessageRecord,
  MessageSlice,
  Store,
} from '../storage/store.ts';

/** Largest JSON size of a chat's `context` or a message's `metadata`, in characters. */
const MAX_JSON_SIZE = 16 * 1024;

/** Called after a message is committed; the seam where the assistant and realtime fan-out plug in. */
export type MessageListener = (message: MessageRecord, chat: { tenant_id: string; chat_id: string }) => void;

/** Called after a chat is created. */
export type ChatListener = (chat: ChatRecord) => void;

export interface NewChatInput {
  session_id?: string | undefined;
  visitor_id?: string | undefined;
  title?: string | undefined;
  context?: ChatContext | undefined;
}

export interface VisitorMessageInput {
  content: string;
  role?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  client_message_id?: string | undefined;
}

/** Most chats whose owner {@link ChatService.assertVisitorChat} remembers; then it starts afresh. */
const MAX_REMEMBERED_OWNERS = 10_000;

export class ChatService {
  readonly #store: Store;
  readonly #listeners = new Set<MessageListener>();
  readonly #chatListeners = new Set<ChatListener>();
  /**
   * Chat id → its tenant and visitor. Both are fixed when the chat is created and chats are never
   * deleted, so an entry can never go stale; it saves a read per posted message (issue 16).
   */
  readonly #owners = new Map<string, { tenant_id: string; visitor_id: string }>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Subscribes to committed messages (not to idempotent replays); returns the unsubscribe function. */
  onMessage(listener: MessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Subscribes to new chats; returns the unsubscribe function. */
  onChat(listener: ChatListener): () => void {
    this.#chatListeners.add(listener);
    return () => this.#chatListeners.delete(listener);
  }

  async createChat(tenantId: string, input: NewChatInput): Promise<ChatRecord> {
    const context = input.context ?? {};
    assertJsonSize('body.context', context);
    const chat = await this.#store.createChat({
      tenant_id: tenantId,
      session_id: input.session_id ?? `session_${randomUUID()}`,
      visitor_id: input.visitor_id ?? `visitor_${randomUUID()}`,
      title: input.title?.trim() || 'Website Chat',
      context,
    });
    for (const listener of this.#chatListeners) {
      try {
        listener(chat);
      } catch {}
    }
    return chat;
  }

  /**
   * The tenant's chat. With `visitorId`, only if that visitor started it: another visitor's chat is
   * answered exactly like a chat that does not exist.
   */
  async getChat(tenantId: string, chatId: string, visitorId?: string): Promise<ChatRecord> {
    const chat = await this.#store.getChat(tenantId, chatId);
    if (!chat || (visitorId !== undefined && chat.visitor_id !== visitorId)) throw chatNotFound();
    return chat;
  }

  /**
   * Throws `chat_not_found` unless the chat exists in the tenant (and, with `visitorId`, was started
   * by that visitor): {@link getChat}'s check without reading the chat again once it was seen.
   */
  async assertVisitorChat(tenantId: string, chatId: string, visitorId?: string): Promise<void> {
    let owner = this.#owners.get(chatId);
    if (!owner) {
      const chat = await this.#store.getChat(tenantId, chatId);
      if (!chat) throw chatNotFound();
      owner = { tenant_id: chat.tenant_id, visitor_id: chat.visitor_id };
      if (this.#owners.size >= MAX_REMEMBERED_OWNERS) this.#owners.clear();
      this.#owners.set(chatId, owner);
    }
    if (owner.tenant_id !== tenantId || (visitorId !== undefined && owner.visitor_id !== visitorId)) {
      throw chatNotFound();
    }
  }

  /** The tenant's chats, newest first. */
  async listChats(tenantId: string, query: ChatQuery): Promise<ChatSlice> {
    return this.#store.listChats(tenantId, query);
  }

  /** Stores a visitor's message; a resent `client_message_id` returns the stored one with `created: false`. */
  async postVisitorMessage(
    tenantId: string,
    chatId: string,
    input: VisitorMessageInput,
  ): Promise<{ message: MessageRecord; created: boolean }> {
    if (input.role !== undefined && input.role !== 'user') throw new ApiError('role_not_allowed');
    return this.#append(tenantId, chatId, { ...input, role: 'user' });
  }

  /**
   * Stores a message from the platform (`system`: a handoff, an operator joining) or from an
   * operator (`human`), and tells the listeners like any other message.
   */
  async postStaffMessage(
    tenantId: string,
    chatId: string,
    input: { role: 'system' | 'human'; content: string; metadata?: Record<string, unknown> },
  ): Promise<MessageRecord> {
    return (await this.#append(tenantId, chatId, input)).message;
  }

  /** The rules every message meets (trimmed, 1 to 4000 characters, bounded metadata), then the append. */
  async #append(
    tenantId: string,
    chatId: string,
    input: {
      role: MessageRole;
      content: string;
      metadata?: Record<string, unknown> | undefined;
      client_message_id?: string | undefined;
    },
  ): Promise<{ message: MessageRecord; created: boolean }> {
    const content = input.content.trim();
    if (content.length === 0) throw new ApiError('message_empty');
    if (content.length > MAX_MESSAGE_LENGTH) {
      throw new ApiError(
        'message_too_long',
        `Message content is ${content.length} characters; the limit is ${MAX_MESSAGE_LENGTH}`,
      );
    }
    const metadata = input.metadata ?? {};
    assertJsonSize('body.metadata', metadata);
    const result = await this.#store.appendMessage({
      tenant_id: tenantId,
      chat_id: chatId,
      role: input.role,
      content,
      metadata,
      client_message_id: input.client_message_id ?? null,
    });
    if (!result) throw chatNotFound();
    if (result.created) this.#notify(result.message, tenantId);
    return result;
  }

  async listMessages(
    tenantId: string,
    chatId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<MessageSlice> {
    const slice = await this.#store.listMessages(tenantId, chatId, {
      after_seq: Number(page.cursor ?? 0),
      limit: page.limit,
    });
    if (!slice) throw chatNotFound();
    return slice;
  }

  #notify(message: MessageRecord, tenantId: string): void {
    for (const listener of this.#listeners) {
      // A failing listener must not turn a committed message into an error for its sender.
      try {
        listener(message, { tenant_id: tenantId, chat_id: message.chat_id });
      } catch {}
    }
  }
}

/** Same answer for a chat that does not exist and one of another tenant: nothing to learn from it. */
const chatNotFound = () => new ApiError('chat_not_found');

function assertJsonSize(field: string, value: unknown): void {
  const size = JSON.stringify(value).length;
  if (size > MAX_JSON_SIZE) {
    throw new ApiError(
      'validation_failed',
      `${field} is too large (${size} characters; at most ${MAX_JSON_SIZE})`,
      [{ field, message: `at most ${MAX_JSON_SIZE} characters of JSON` }],
    );
  }
}

/**
 * The operator inbox, fed live: after every change of a chat (created, a new state or assignee, a
 * message, the end of an assistant reply), the chat's inbox line is read from the database and
 * published on the tenant's inbox channel, which the gateway relays to every operator socket of
 * the tenant that subscribed (`inbox_subscribe`), on every instance.
 */
import type { InboxChange } from '@miptech/protocol';
import type { Bus } from '../bus/bus.ts';
import { type InboxEvent, inboxChannel } from '../bus/inbox-events.ts';
import type { ChatActivity, ChatRecord, Store } from '../storage/store.ts';

/** Where the feed reports what it must not throw (pino fits). */
export interface InboxFeedLog {
  warn(details: object, message: string): void;
}

/** A chat and its inbox line, as the list and the live frames show it. */
export interface ChatLine {
  chat: ChatRecord;
  activity: ChatActivity;
}

const NO_ACTIVITY: ChatActivity = {
  last_message: null,
  unread_count: 0,
  last_page_url: null,
  handoff_at: null,
};

export class InboxFeed {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: InboxFeedLog | undefined;

  constructor(options: { store: Store; bus: Bus; log?: InboxFeedLog }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log;
  }

  /** The inbox lines of these chats of one tenant, in the same order. */
  async lines(tenantId: string, chats: readonly ChatRecord[]): Promise<ChatLine[]> {
    const activity = await this.#store.chatActivity(
      tenantId,
      chats.map((chat) => chat.id),
    );
    return chats.map((chat) => ({ chat, activity: activity.get(chat.id) ?? NO_ACTIVITY }));
  }

  /**
   * Publishes the chat's line as it is now. Never throws: the change it reports is committed, and
   * an operator who misses the frame sees the chat on the next list read.
   */
  async announce(tenantId: string, chatId: string, change: InboxChange): Promise<void> {
    try {
      const chat = await this.#store.getChat(tenantId, chatId);
      if (!chat) return;
      const [line] = await this.lines(tenantId, [chat]);
      if (!line) return;
      const event: InboxEvent = { kind: 'inbox_chat', change, ...line };
      await this.#bus.publish(inboxChannel(tenantId), event as unknown as Record<string, unknown>);
    } catch (error) {
      this.#log?.warn({ err: error, chat_id: chatId }, 'Inbox: announcing a chat change failed');
    }
  }
}

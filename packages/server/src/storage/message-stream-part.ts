/**
 * The message half of a store, as `SqliteStore` and `PostgresStore` delegate to it. Each store
 * builds its own twin (`sqlite-messages.ts`, `postgres-messages.ts`) unless its options hand it
 * another one: only the storage spike of decision 013 (`storage/kysely/`, run by its conformance
 * test and `npm run bench -- --spike`) does.
 */
import type { AppendResult, MessagePatch, MessageRecord, MessageSlice, NewMessage } from './store.ts';

/** A value, or a promise of it: node:sqlite answers synchronously, pg never does. */
type Awaitable<T> = T | Promise<T>;

export interface MessageStreamPart {
  /** `Store.appendMessage`. */
  appendMessage(message: NewMessage): Promise<AppendResult | undefined>;
  /** `Store.updateMessage`. */
  updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined>;
  /** `Store.interruptStaleMessages`. */
  interruptStaleMessages(before: string): Awaitable<Array<{ tenant_id: string; message: MessageRecord }>>;
  /** `Store.listMessages`. */
  listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Awaitable<MessageSlice | undefined>;
  /** Commits the writes still waiting for a group commit; called before the handle closes. */
  flush?(): Awaitable<void>;
}

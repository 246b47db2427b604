/**
 * The storage contract. The database is the source of truth for tenants, chats and messages;
 * a call that resolves has committed. Two implementations: `sqlite/` (embedded default) and
 * `postgres/` (at scale). Both pass `store.conformance.ts`.
 */
import type { AssistantSettings, ChatStatus, MessageRole } from '@miptech/protocol';
import type { AccountStore } from './account-store.ts';
import type { KnowledgeStore } from './knowledge-store.ts';
import type { PassageVectorStore } from './passage-vectors.ts';

/** A company that uses the platform. */
export interface Tenant {
  /** Slug, e.g. `miptech-company`; the value of `X-Tenant-ID`. */
  id: string;
  /** Display name. */
  name: string;
  /** Exact origins (`https://www.example.com`) allowed to call the API from a browser. */
  allowed_origins: string[];
  /** First words the widget shows a visitor; empty for the widget's default. */
  greeting: string;
  /** A disabled tenant's routes answer 403 `tenant_disabled`. */
  enabled: boolean;
  /** The assistant's persona, prompt, LLM overrides and budget; `{}` for the platform defaults. */
  assistant: AssistantSettings;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** What it takes to create a tenant. */
export interface NewTenant {
  /** Slug; must be unique. */
  id: string;
  /** Display name. */
  name: string;
  /** Allowed browser origins. */
  allowed_origins?: string[];
  /** Widget greeting. */
  greeting?: string;
}

/** The fields of a tenant that may change. */
export interface TenantPatch {
  /** New display name. */
  name?: string;
  /** Replaces the whole list. */
  allowed_origins?: string[];
  /** New greeting. */
  greeting?: string;
  /** Enable or disable. */
  enabled?: boolean;
  /** Replaces the whole assistant settings object. */
  assistant?: AssistantSettings;
}

/** A conversation between one visitor and a tenant. */
export interface ChatRecord {
  /** UUID. */
  id: string;
  /** Owning tenant. */
  tenant_id: string;
  /** Browser session that opened it. */
  session_id: string;
  /** Visitor who opened it. */
  visitor_id: string;
  /** Shown to operators. */
  title: string;
  /**
   * Lifecycle state: `active` (the assistant answers), `waiting_for_human` (handoff asked, the
   * assistant is silent), `with_human` (an operator took it), `closed`.
   */
  status: ChatStatus;
  /** The operator who took the chat over; null otherwise. */
  assigned_to: string | null;
  /** Page URL, user agent, referrer and the like, as sent at creation. */
  context: Record<string, unknown>;
  /** seq of the newest message; 0 when empty. */
  last_seq: number;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601; moves with every message. */
  updated_at: string;
}

/** What it takes to create a chat. */
export interface NewChat {
  /** Owning tenant; must exist. */
  tenant_id: string;
  /** Browser session. */
  session_id: string;
  /** Visitor. */
  visitor_id: string;
  /** Title. */
  title: string;
  /** Creation context. */
  context: Record<string, unknown>;
}

/** One entry of a chat's append-only log. */
export interface MessageRecord {
  /** UUID. */
  id: string;
  /** Chat it belongs to. */
  chat_id: string;
  /** 1, 2, 3… per chat, without gaps or repeats. */
  seq: number;
  /** Author kind. */
  role: MessageRole;
  /** Text, already trimmed and length-checked. */
  content: string;
  /** Free-form JSON object from the sender. */
  metadata: Record<string, unknown>;
  /** Sender's idempotency key, unique per chat; null when none was sent. */
  client_message_id: string | null;
  /**
   * `complete` for every message but an assistant reply: that one is `streaming` while it is being
   * written, then `complete`, `stopped` (a stop was asked) or `interrupted` (its writer died).
   */
  status: MessageStatus;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601; moves while a streaming message grows, so a stale one can be told from a live one. */
  updated_at: string;
}

/** Where a message is in its life; only `streaming` messages may still change. */
export type MessageStatus = 'complete' | 'streaming' | 'stopped' | 'interrupted';

/** What it takes to append a message. */
export interface NewMessage {
  /** Tenant the chat must belong to. */
  tenant_id: string;
  /** Chat to append to. */
  chat_id: string;
  /** Author kind. */
  role: MessageRole;
  /** Text. */
  content: string;
  /** Free-form JSON object. */
  metadata: Record<string, unknown>;
  /** Idempotency key. */
  client_message_id?: string | null;
  /** Default `complete`; an assistant reply starts as `streaming`. */
  status?: MessageStatus;
}

/** A change to a streaming message. */
export interface MessagePatch {
  /** The whole text so far (it replaces the stored text). */
  content?: string;
  /** The new status; anything but `streaming` makes the message final. */
  status?: MessageStatus;
  /** Replaces the metadata. */
  metadata?: Record<string, unknown>;
}

/** Result of {@link Store.appendMessage}. */
export interface AppendResult {
  /** The stored message: the new one, or the earlier one with the same `client_message_id`. */
  message: MessageRecord;
  /** False when the `client_message_id` had been seen and nothing was stored. */
  created: boolean;
}

/** A page of a chat's messages, oldest first. */
export interface MessageSlice {
  /** Messages with `seq > after_seq`, at most `limit`. */
  items: MessageRecord[];
  /** Messages in the chat. */
  total: number;
  /** More messages follow the last item. */
  has_more: boolean;
}

/** Which chats {@link Store.listChats} returns: newest first, optionally filtered, after a cursor. */
export interface ChatQuery {
  /** Only chats in this state (or in one of these states). */
  status?: ChatStatus | ChatStatus[];
  /** Only chats taken over by this operator (or `api-key:<id>`). */
  assigned_to?: string;
  /**
   * Only chats where this text occurs (case-insensitively; SQLite folds ASCII letters only) in the
   * visitor id, the visitor's name or email (`context.visitor`), the title, the page
   * (`context.page_url`) or the content of a visitor, assistant or operator message.
   */
  search?: string;
  /** Only chats of this browser session. */
  session_id?: string;
  /** Only chats older than this one, in the order `(created_at, id)` descending: the previous page's last. */
  before?: { created_at: string; id: string };
  /** At most this many. */
  limit: number;
}

/** A page of chats, newest first. */
export interface ChatSlice {
  /** The chats. */
  items: ChatRecord[];
  /** More chats follow the last item. */
  has_more: boolean;
}

/** A change of a chat's state, applied only if the chat is in one of the `from` states. */
export interface ChatStatusChange {
  status: ChatStatus;
  /** The operator who has the chat from now on; null to clear. Unchanged when absent. */
  assigned_to?: string | null;
  /** Apply only from these states; any state when absent. */
  from?: ChatStatus[];
  /**
   * Apply only when the chat is unassigned or assigned to this id; any assignee when absent. Part
   * of the same compare-and-set, so an agent's release cannot undo a takeover that won the race.
   */
  unlessAssignedToOtherThan?: string;
}

/** Result of {@link Store.updateChatStatus}. */
export interface ChatStatusResult {
  /** The chat after the call (unchanged when `changed` is false). */
  chat: ChatRecord;
  /** False when the chat was not in a `from` state, or already had this state and assignee. */
  changed: boolean;
}

/** What an inbox line shows of a chat beyond the chat itself (see `ChatSummary` in the protocol). */
export interface ChatActivity {
  /** The newest final message that is not a system note, its content cut to `PREVIEW_LENGTH`. */
  last_message: { seq: number; role: MessageRole; content: string; created_at: string } | null;
  /** Visitor messages after the newest assistant or operator message. */
  unread_count: number;
  /** `metadata.page_url` of the visitor's newest message that has one. */
  last_page_url: string | null;
  /**
   * When the chat last went to `waiting_for_human`: the `created_at` of the newest `system`
   * message whose `metadata.status` is `waiting_for_human` (handoff.ts writes one per change).
   */
  handoff_at: string | null;
}

/** An internal note on a chat: staff only, outside the chat's log (no seq of its own). */
export interface NoteRecord {
  /** UUID. */
  id: string;
  /** Chat it is about. */
  chat_id: string;
  /** The chat's `last_seq` when it was written: where it sits in the thread. */
  after_seq: number;
  /** Operator id, or `api-key:<id>`. */
  author_id: string;
  /** Display name of the author when it was written. */
  author_name: string;
  /** Text, already trimmed and length-checked. */
  content: string;
  /** ISO 8601. */
  created_at: string;
}

/** What it takes to add a note. */
export interface NewNote {
  /** Tenant the chat must belong to. */
  tenant_id: string;
  /** Chat to write on. */
  chat_id: string;
  /** Operator id, or `api-key:<id>`. */
  author_id: string;
  /** Display name. */
  author_name: string;
  /** Text. */
  content: string;
}

/** LLM tokens spent. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
}

/** Raised when creating something whose key exists already. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/**
 * A visitor's question the assistant answered without citing any knowledge: "I don't know", an
 * offer of a person, or small talk (callers filter that out). Never a question the visitor asked a
 * person for, a reply that failed, or a console test chat's.
 */
export interface UnansweredQuestion {
  /** The chat it was asked in. */
  chat_id: string;
  /** The visitor's message. */
  message_id: string;
  /** What the visitor asked. */
  question: string;
  /** What the assistant answered. */
  answer: string;
  /** When it was asked, ISO 8601. */
  asked_at: string;
}

/** The storage contract; every method is tenant-scoped where data belongs to a tenant. */
export interface Store extends AccountStore {
  /** `sqlite` or `postgres`, for health output and logs. */
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending schema migrations; safe to call from several instances at once. Returns the versions applied. */
  migrate(): Promise<number[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;

  /** Creates a tenant; {@link ConflictError} when the id is taken. */
  createTenant(tenant: NewTenant): Promise<Tenant>;
  /** The tenant with this id, or undefined. */
  getTenant(id: string): Promise<Tenant | undefined>;
  /** Every tenant, by id. */
  listTenants(): Promise<Tenant[]>;
  /** Applies the patch; undefined when no such tenant. */
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined>;

  /** Creates a chat with a new UUID and `last_seq` 0. */
  createChat(chat: NewChat): Promise<ChatRecord>;
  /** The chat if it exists AND belongs to the tenant; otherwise undefined. */
  getChat(tenant_id: string, chat_id: string): Promise<ChatRecord | undefined>;
  /** The tenant's chats, newest first, for operators. */
  listChats(tenant_id: string, query: ChatQuery): Promise<ChatSlice>;
  /**
   * Moves a chat to another state atomically (compare-and-set on `from`): two operators taking
   * the same chat cannot both succeed. Undefined when the chat is not the tenant's.
   */
  updateChatStatus(
    tenant_id: string,
    chat_id: string,
    change: ChatStatusChange,
  ): Promise<ChatStatusResult | undefined>;

  /**
   * Appends a message with the chat's next seq, atomically. Resending a `client_message_id`
   * returns the earlier message with `created: false`. Undefined when the chat is not the tenant's.
   */
  appendMessage(message: NewMessage): Promise<AppendResult | undefined>;
  /**
   * Changes a `streaming` message (and bumps its `updated_at`). Undefined when the message is not
   * the tenant's chat's, or is final already: a final message never changes again.
   */
  updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined>;
  /**
   * Marks every `streaming` message not updated since `before` (ISO 8601) as `interrupted`, and
   * returns them with their tenant: their writer died (a crash, a lost instance).
   */
  interruptStaleMessages(before: string): Promise<Array<{ tenant_id: string; message: MessageRecord }>>;
  /**
   * How many messages the visitor posted (role `user`, all their chats) since `since` (ISO 8601):
   * the per-visitor guard before a reply.
   */
  countVisitorMessagesSince(tenant_id: string, visitor_id: string, since: string): Promise<number>;

  /** Adds to the tenant's LLM token count of the UTC day `day` (`YYYY-MM-DD`). */
  addTokenUsage(tenant_id: string, day: string, usage: TokenUsage): Promise<void>;
  /** The tenant's LLM tokens on `day`; zeros when none. */
  getTokenUsage(tenant_id: string, day: string): Promise<TokenUsage>;

  /**
   * The inbox line of each of these chats of the tenant, by chat id; ids of other tenants' chats
   * (or of none) are left out.
   */
  chatActivity(tenant_id: string, chat_ids: readonly string[]): Promise<Map<string, ChatActivity>>;
  /** Adds an internal note after the chat's newest message; undefined when the chat is not the tenant's. */
  addNote(note: NewNote): Promise<NoteRecord | undefined>;
  /** The chat's notes, oldest first; undefined when the chat is not the tenant's. */
  listNotes(tenant_id: string, chat_id: string): Promise<NoteRecord[] | undefined>;

  /**
   * The tenant's {@link UnansweredQuestion}s asked since `since` (ISO 8601), newest first, at most
   * `limit`: the knowledge gaps operators fill.
   */
  listUnansweredQuestions(
    tenant_id: string,
    query: { since: string; limit: number },
  ): Promise<UnansweredQuestion[]>;

  /** The knowledge base: documents, passages and their retrieval. */
  readonly knowledge: KnowledgeStore;
  /** Embedding vectors of the knowledge base's passages, for hybrid retrieval. */
  readonly vectors: PassageVectorStore;

  /** Messages with `seq > after_seq`, oldest first; undefined when the chat is not the tenant's. */
  listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined>;
}

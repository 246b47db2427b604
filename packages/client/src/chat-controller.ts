/**
 * A visitor's conversation, for any UI framework: it starts or resumes the session's chat, shows
 * what the visitor sends at once, streams the assistant's reply as it is written, and survives
 * drops, reconnects and reloads without losing or repeating a message.
 *
 * State is exposed as slices ({@link ChatSlices}) with `subscribe(slice, listener)` and
 * `get(slice)`: React binds them with `useSyncExternalStore`, others with a callback.
 *
 * @example
 * const chat = new ChatController({ baseUrl: 'http://localhost:8000', tenantId: 'miptech-company' });
 * chat.subscribe('messages', () => render(chat.get('messages')));
 * await chat.initialize();
 * await chat.send('What services do you offer?');
 */
import type { Chat, CreatedChat, Message } from '@miptech/protocol';
import { MAX_MESSAGE_LENGTH, TYPING_IDLE_MS, TYPING_RELAY_INTERVAL_MS } from '@miptech/protocol/constants';
import { ApiClient, type NewChat, type ReadyOptions } from './api-client.ts';
import type { BackoffOptions } from './backoff.ts';
import { ChatLog, type ChatMessage } from './chat-log.ts';
import { MIPTechError } from './errors.ts';
import { type ConnectionState, RealtimeConnection } from './realtime-connection.ts';
import { type OutboxEntry, SessionStore } from './session-store.ts';
import { SliceStore } from './slice-store.ts';

/** Where the conversation stands, as the AI SDK names it. */
export type ChatStatus = 'submitted' | 'streaming' | 'ready' | 'error';
/** Who answers: the assistant (`active`), nobody yet (`waiting_for_human`), a person, or nobody. */
export type HandoffState = Chat['status'];

export interface ChatSlices extends Record<string, unknown> {
  messages: readonly ChatMessage[];
  status: ChatStatus;
  connection: ConnectionState;
  error: MIPTechError | null;
  chat: { id: string | null; state: HandoffState };
  initialized: boolean;
}

export interface ChatControllerOptions {
  /** The platform's origin, e.g. `http://localhost:8000`. */
  baseUrl: string;
  tenantId: string;
  /** Where the session lives; default: `localStorage` (memory where blocked), per tenant. */
  session?: SessionStore;
  /** Wait for the assistant before the first chat (the seeds' readiness check); `false` skips it. */
  ready?: ReadyOptions | false;
  /** A new chat's title and context; the page's URL and referrer are added in browsers. */
  chat?: Pick<NewChat, 'title' | 'context'>;
  backoff?: BackoffOptions;
  timeoutMs?: number;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

const HISTORY_PAGES = 10;

export class ChatController {
  readonly api: ApiClient;
  readonly session: SessionStore;
  readonly connection: RealtimeConnection;
  readonly #options: ChatControllerOptions;
  readonly #store = new SliceStore<ChatSlices>({
    messages: [],
    status: 'ready',
    connection: 'idle',
    error: null,
    chat: { id: null, state: 'active' },
    initialized: false,
  });
  #log: ChatLog | undefined;
  #initializing: Promise<void> | undefined;
  /** Sends go out one at a time, so stored order is the order the visitor typed. */
  #sending: Promise<void> = Promise.resolve();
  /** Who the visitor is, as the site told (`identify`): sent with the chat and each message. */
  #visitor: Record<string, unknown> | undefined;
  /** When `typing: true` last went out (0: the visitor is not shown typing), and the idle stop. */
  #typingSentAt = 0;
  #typingIdle: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ChatControllerOptions) {
    this.#options = options;
    this.api = new ApiClient({
      baseUrl: options.baseUrl,
      tenantId: options.tenantId,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.session = options.session ?? new SessionStore({ tenantId: options.tenantId });
    this.connection = new RealtimeConnection({
      baseUrl: options.baseUrl,
      tenantId: options.tenantId,
      token: () => this.session.get().visitorToken ?? undefined,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    });
    this.connection.on('state', (state) => {
      this.#store.set({ connection: state });
      if (state === 'open') this.#flushOutbox();
    });
    this.connection.on('error', (error) => this.#store.set({ error }));
    this.connection.on('frame', (frame) => {
      const log = this.#log;
      if (!log || !('chat_id' in frame) || frame.chat_id !== log.chatId) return;
      if (frame.type === 'chat_status') {
        this.#store.set({ chat: { id: log.chatId, state: frame.status as HandoffState } });
      } else if (frame.type === 'error') {
        this.#store.set({ error: new MIPTechError(frame.detail, { code: frame.code, type: 'websocket' }) });
      } else if (log.apply(frame) === 'gap') {
        this.#join(log);
      }
      this.#publish();
    });
  }

  /** The current value of a slice. */
  get<K extends keyof ChatSlices>(slice: K): ChatSlices[K] {
    return this.#store.get(slice);
  }

  /** Calls `listener` when `slice` changes; returns the unsubscribe function. */
  subscribe(slice: keyof ChatSlices, listener: () => void): () => void {
    return this.#store.subscribe(slice, listener);
  }

  /**
   * Waits for the platform, resumes the session's chat (or starts one), loads its history and
   * connects. Idempotent: a second call, or a StrictMode double mount, shares the first's work,
   * so there is one chat and one socket.
   */
  initialize(): Promise<void> {
    this.#initializing ??= this.#start().catch((error: unknown) => {
      this.#initializing = undefined;
      this.#store.set({ error: asError(error), status: 'error' });
      throw error;
    });
    return this.#initializing;
  }

  /**
   * The visitor is writing (`true`, on each input) or stopped (`false`: the draft was cleared or
   * sent). Operators on the chat see "The visitor is typing…". Throttled here: one `typing` frame
   * per couple of seconds while the input goes on, and a stop after {@link TYPING_IDLE_MS} without
   * input. Nothing is sent before the chat is joined; nothing is stored.
   */
  typing(active: boolean): void {
    const chatId = this.#log?.chatId;
    clearTimeout(this.#typingIdle);
    if (!active || !chatId) {
      if (this.#typingSentAt > 0 && chatId)
        this.connection.send({ type: 'typing', chat_id: chatId, is_typing: false });
      this.#typingSentAt = 0;
      return;
    }
    const now = Date.now();
    if (now - this.#typingSentAt >= TYPING_RELAY_INTERVAL_MS) {
      if (this.connection.send({ type: 'typing', chat_id: chatId, is_typing: true }))
        this.#typingSentAt = now;
    }
    this.#typingIdle = setTimeout(() => this.typing(false), TYPING_IDLE_MS);
  }

  /** Sends a visitor message: shown at once as `sending`, then as stored (or `error`, for `retry`). */
  async send(text: string): Promise<void> {
    this.typing(false);
    const content = text.trim();
    if (!content)
      throw new MIPTechError('Write a message first', { code: 'message_empty', type: 'validation' });
    if (content.length > MAX_MESSAGE_LENGTH) {
      throw new MIPTechError(`Messages are at most ${MAX_MESSAGE_LENGTH} characters`, {
        code: 'message_too_long',
        type: 'validation',
      });
    }
    await this.initialize();
    const log = this.#requireLog();
    const entry: OutboxEntry = {
      client_message_id: crypto.randomUUID(),
      chat_id: log.chatId,
      content,
      created_at: new Date().toISOString(),
    };
    this.session.update({ outbox: [...this.session.get().outbox, entry] });
    log.addPending(entry.client_message_id, content, entry.created_at);
    this.#store.set({ error: null });
    this.#publish();
    await this.#post(entry);
  }

  /** Sends a failed message again, with its same id (so it is never stored twice). */
  async retry(clientMessageId: string): Promise<void> {
    const log = this.#requireLog();
    const pending = log.retryPending(clientMessageId);
    if (!pending) return;
    const entry: OutboxEntry = {
      client_message_id: clientMessageId,
      chat_id: log.chatId,
      content: pending.content,
      created_at: pending.created_at,
    };
    const outbox = this.session.get().outbox.filter((item) => item.client_message_id !== clientMessageId);
    this.session.update({ outbox: [...outbox, entry] });
    this.#publish();
    this.#store.set({ error: null });
    await this.#post(entry);
  }

  /**
   * Tells the platform who the visitor is (name, email…, as the site knows them): kept in a new
   * chat's context and in the metadata of each message, where operators see it.
   */
  identify(visitor: Record<string, unknown>): void {
    this.#visitor = { ...this.#visitor, ...visitor };
  }

  /** Stops the reply being written, on the server (every tab sees it end as `stopped`). */
  stop(): boolean {
    const chatId = this.#log?.chatId;
    return chatId ? this.connection.send({ type: 'stop', chat_id: chatId }) : false;
  }

  /** Asks for a person: the chat waits for an operator, and the assistant goes quiet. */
  async requestHuman(): Promise<void> {
    await this.initialize();
    const log = this.#requireLog();
    const chat = await this.api.requestHuman(log.chatId, this.#token());
    this.#store.set({ chat: { id: chat.id, state: chat.status } });
    this.#publish();
  }

  /** Starts a new conversation (the old one stays on the server). */
  async clear(): Promise<void> {
    await this.initialize();
    const old = this.#requireLog();
    this.connection.leave(old.chatId);
    this.session.update({ chatId: null, lastSeq: 0, readSeq: 0, outbox: [] });
    const chat = await this.#createChat();
    this.#use(new ChatLog(chat.id), chat.status);
    this.#join(this.#requireLog());
  }

  /** Closes the connection; `initialize()` opens it again. */
  disconnect(): void {
    clearTimeout(this.#typingIdle);
    this.#typingSentAt = 0;
    this.connection.close();
    this.#initializing = undefined;
    this.#store.set({ initialized: false });
  }

  async #start(): Promise<void> {
    this.#store.set({ error: null });
    if (this.#options.ready !== false) await this.api.waitUntilReady(this.#options.ready ?? {});
    const chat = await this.#resumeOrCreate();
    const log = new ChatLog(chat.id);
    log.load(await this.#history(chat.id));
    this.#use(log, chat.status);
    // Messages that were on their way when the page was left are shown, and sent again.
    for (const entry of this.session.get().outbox) {
      if (entry.chat_id === chat.id) log.addPending(entry.client_message_id, entry.content, entry.created_at);
    }
    this.#publish();
    this.connection.connect();
    this.#join(log);
    this.#store.set({ initialized: true });
    this.#flushOutbox();
  }

  async #resumeOrCreate(): Promise<Chat> {
    const { chatId } = this.session.get();
    if (chatId) {
      try {
        return await this.api.getChat(chatId, this.#token());
      } catch (error) {
        // Gone, or no longer ours (an expired token): start afresh rather than fail.
        if (!(error instanceof MIPTechError) || (error.status !== 404 && error.status !== 401)) throw error;
        if (error.status === 401) this.session.update({ visitorToken: null });
      }
    }
    return this.#createChat();
  }

  async #createChat(): Promise<CreatedChat> {
    const session = this.session.get();
    const context = {
      ...(typeof location === 'object' ? { page_url: location.href } : {}),
      ...(typeof document === 'object' && document.referrer ? { referrer: document.referrer } : {}),
      ...this.#options.chat?.context,
      ...(this.#visitor ? { visitor: this.#visitor } : {}),
    };
    const chat = await this.api.createChat(
      { session_id: session.sessionId, title: this.#options.chat?.title ?? 'Website chat', context },
      this.#token(),
    );
    this.session.update({
      chatId: chat.id,
      visitorId: chat.visitor_id,
      visitorToken: chat.visitor_token,
      lastSeq: 0,
      readSeq: 0,
    });
    return chat;
  }

  async #history(chatId: string): Promise<Message[]> {
    const messages: Message[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const slice = await this.api.listMessages(chatId, { cursor }, this.#token());
      messages.push(...slice.items);
      if (!slice.has_more || !slice.next_cursor) break;
      cursor = slice.next_cursor;
    }
    return messages;
  }

  #use(log: ChatLog, state: HandoffState): void {
    this.#log = log;
    this.#store.set({ chat: { id: log.chatId, state } });
    this.#publish();
  }

  #join(log: ChatLog): void {
    this.connection.join(log.chatId, { sinceSeq: () => log.resumePoint, stream: true });
  }

  #post(entry: OutboxEntry): Promise<void> {
    const sent = this.#sending.then(async () => {
      const log = this.#log;
      try {
        const message = await this.api.sendMessage(
          entry.chat_id,
          {
            content: entry.content,
            client_message_id: entry.client_message_id,
            ...(this.#visitor ? { metadata: { visitor: this.#visitor } } : {}),
          },
          this.#token(),
        );
        if (log?.chatId === message.chat_id) log.confirm(message);
        this.#dropFromOutbox(entry.client_message_id);
      } catch (error) {
        const failure = asError(error);
        log?.failPending(entry.client_message_id, failure.message);
        // Network trouble keeps it in the outbox, to go out again on reconnect; a refusal does not.
        if (!failure.retryable) this.#dropFromOutbox(entry.client_message_id);
        this.#store.set({ error: failure });
      }
      this.#publish();
    });
    this.#sending = sent;
    return sent;
  }

  #flushOutbox(): void {
    const log = this.#log;
    if (!log || !this.get('initialized')) return;
    for (const entry of this.session.get().outbox) {
      if (entry.chat_id !== log.chatId) continue;
      log.retryPending(entry.client_message_id);
      void this.#post(entry);
    }
  }

  #dropFromOutbox(clientMessageId: string): void {
    const outbox = this.session.get().outbox;
    this.session.update({ outbox: outbox.filter((item) => item.client_message_id !== clientMessageId) });
  }

  #publish(): void {
    const log = this.#log;
    if (!log) return;
    const messages = log.messages;
    if (log.resumePoint !== this.session.get().lastSeq && this.session.get().chatId === log.chatId) {
      this.session.update({ lastSeq: log.resumePoint });
    }
    this.#store.set({ messages, status: statusOf(messages, this.get('chat').state) });
  }

  #requireLog(): ChatLog {
    if (!this.#log)
      throw new MIPTechError('Call initialize() first', { code: 'not_initialized', type: 'validation' });
    return this.#log;
  }

  #token(): string | undefined {
    return this.session.get().visitorToken ?? undefined;
  }
}

/**
 * Derived from the messages, never kept on the side, so it cannot get stuck: after a reconnect
 * the replayed messages say where things stand.
 */
function statusOf(messages: readonly ChatMessage[], state: HandoffState): ChatStatus {
  if (messages.some((message) => message.status === 'streaming')) return 'streaming';
  const last = messages.at(-1);
  if (last?.status === 'error') return 'error';
  if (last?.role === 'user' && state === 'active') return 'submitted';
  return 'ready';
}

function asError(error: unknown): MIPTechError {
  return error instanceof MIPTechError
    ? error
    : new MIPTechError(error instanceof Error ? error.message : String(error), {
        code: 'unexpected',
        type: 'server',
        cause: error,
      });
}

/**
 * One WebSocket connection after its handshake: reads client frames, answers them, and sends the
 * frames of the chats it joined. A bad frame is answered with an `error` frame and the
 * connection stays open; only abuse (a flood, a reader too slow to keep up) closes it.
 */
import { randomUUID } from 'node:crypto';
import {
  CLOSE_CODES,
  ClientFrame,
  type ClientFrame as ClientFrameType,
  PROTOCOL_VERSION,
  type ServerFrame,
  type Viewer,
} from '@miptech/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { chatChannel } from '../bus/chat-events.ts';
import { inboxChannel } from '../bus/inbox-events.ts';
import type { ChatService } from '../chat/chat-service.ts';
import { ApiError } from '../errors/api-error.ts';
import { assertStorable } from '../http/input-guard.ts';
import type { Store, Tenant } from '../storage/store.ts';
import type { ChannelHub } from './channel-hub.ts';
import { ChatSubscription } from './chat-subscription.ts';
import { InboxSubscription } from './inbox-subscription.ts';
import type { PresenceBoard, PresenceWatch } from './presence-board.ts';
import { hasExpired, type SocketPrincipal } from './socket-auth.ts';
import { TypingThrottle } from './typing-throttle.ts';

export type { SocketPrincipal } from './socket-auth.ts';

/** Unsent bytes beyond which a reader is too slow: it is cut off and resumes later. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a cut-off reader gets to read its close frame before the connection is dropped. */
const SLOW_CONSUMER_GRACE_MS = 2000;
/** Frames a client may send per second, on average, and in a burst. */
const FRAMES_PER_SECOND = 20;
const FRAME_BURST = 60;
/**
 * More refused frames than this within {@link REFUSED_FRAMES_WINDOW_MS} disconnect a flooding
 * client. A window rather than a count that resets when the bucket refills: a client flooding in
 * bursts, pausing just long enough to refill, is refused as many frames as a steady flooder and
 * must be cut off too; a window rather than a lifetime count, so that an operator console open
 * all day is not cut off for a few bursts hours apart.
 */
const MAX_REFUSED_FRAMES = 100;
const REFUSED_FRAMES_WINDOW_MS = 60_000;

export interface ConnectionOptions {
  socket: WebSocket;
  tenant: Tenant;
  sessionId: string | null;
  principal: SocketPrincipal;
  /** Development lets anonymous connections into any chat of the tenant (the seeds' DEBUG mode). */
  allowAnonymous: boolean;
  /** Resolves a token sent in an `auth` frame; undefined when it does not verify. */
  authenticate: (token: string) => Promise<SocketPrincipal | undefined>;
  store: Store;
  chats: ChatService;
  hub: ChannelHub;
  /** Which operators view which chat, on every instance. */
  presence: PresenceBoard;
  /** At most one `typing: true` per this many milliseconds per chat is relayed (default: the protocol's). */
  typingIntervalMs?: number;
  log: FastifyBaseLogger;
  heartbeatIntervalMs: number;
  /** Frames that arrived during the handshake, handled first. */
  early: string[];
  /**
   * Counts a `message` frame against the REST message limits (per IP, per visitor); resolves
   * with the seconds to wait when it is over them. Without it, frames are not counted (tests).
   */
  countMessage?: (principal: SocketPrincipal) => Promise<number | undefined>;
}

export class Connection {
  readonly id = randomUUID();
  readonly #options: ConnectionOptions;
  #principal: SocketPrincipal;
  readonly #joined = new Map<string, Joined>();
  readonly #typing: TypingThrottle;
  /** The operator's display name, read once per operator the socket acts as. */
  #name: { operatorId: string; name: Promise<string> } | undefined;
  /** Leaves the tenant's inbox; set while the socket is subscribed to it. */
  #leaveInbox: (() => void) | undefined;
  #tokens = FRAME_BURST;
  #lastRefill = Date.now();
  /** When recent frames were refused, oldest first (at most {@link MAX_REFUSED_FRAMES} + 1). */
  readonly #refusedAt: number[] = [];
  #inbox: Promise<void> = Promise.resolve();

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#principal = options.principal;
    this.#typing = new TypingThrottle(
      options.typingIntervalMs === undefined ? {} : { intervalMs: options.typingIntervalMs },
    );
    options.socket.on('message', (data, isBinary) => this.#enqueue(isBinary ? '' : data.toString()));
    options.socket.on('close', () => this.#closeSubscriptions());
    this.send({
      type: 'connection_established',
      connection_id: this.id,
      tenant_id: options.tenant.id,
      session_id: options.sessionId,
      protocol_version: PROTOCOL_VERSION,
      heartbeat_interval_ms: options.heartbeatIntervalMs,
      principal: this.#principal.kind,
    });
    for (const text of options.early) this.#enqueue(text);
  }

  get tenantId(): string {
    return this.#options.tenant.id;
  }

  /** Who the connection acts as now (an `auth` frame may change it). */
  get principal(): SocketPrincipal {
    return this.#principal;
  }

  /** Closes the connection (revocation, limits); its subscriptions end with the socket. */
  close(code: number, reason: string): void {
    this.#options.socket.close(code, reason);
  }

  /** Frames are handled one at a time, in order: an `auth` before the `join` behind it, messages in sequence. */
  #enqueue(text: string): void {
    this.#inbox = this.#inbox.then(() => this.#receive(text || null));
  }

  /**
   * Sends a frame, or cuts off a reader whose unsent frames pile up (it resumes with `since_seq`).
   * `serialized`: the frame's UTF-8 JSON, serialised once for every socket of a fan-out.
   */
  send(frame: ServerFrame, serialized?: Buffer): void {
    const { socket } = this.#options;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(CLOSE_CODES.slow_consumer, 'Too slow to read; reconnect and resume with since_seq');
      // A reader this slow may never reach the close frame behind its backlog: free the memory anyway.
      setTimeout(() => socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
      return;
    }
    // A Buffer is written as it is (no copy, no re-encoding); `binary: false` keeps it a text frame.
    if (serialized) socket.send(serialized, { binary: false });
    else socket.send(JSON.stringify(frame));
  }

  /**
   * Joins a chat on the connection's behalf (also used for `chat_id` in the URL and the session
   * auto-join, which passes `echoVisitorMessages: false`).
   */
  async join(
    chatId: string,
    sinceSeq: number | undefined,
    stream: boolean,
    { echoVisitorMessages = true }: { echoVisitorMessages?: boolean } = {},
  ): Promise<void> {
    const { store, tenant, hub } = this.#options;
    this.#requireUnexpired();
    const chat = await store.getChat(tenant.id, chatId);
    if (!chat || !this.#mayAccess(chat.visitor_id)) {
      // Another visitor's chat answers like a missing one.
      throw this.#principal.kind === 'anonymous' && !this.#options.allowAnonymous
        ? new ApiError(
            'auth_required',
            'Send a visitor token (query `token` or an `auth` frame) before joining',
          )
        : new ApiError('chat_not_found');
    }
    this.#joined.get(chatId)?.leave();
    const subscription = new ChatSubscription({
      store,
      tenantId: tenant.id,
      chatId,
      stream,
      send: (frame, serialized) => this.send(frame, serialized),
      connectionId: this.id,
      echoVisitorMessages,
      isStaff: () => this.#principal.kind === 'operator',
    });
    const leave = await hub.add(chatChannel(tenant.id, chatId), subscription);
    // Read the newest seq again now that events reach the subscription: a message committed
    // between the first read and the subscribe would otherwise fall between backlog and live.
    const current = (await store.getChat(tenant.id, chatId)) ?? chat;
    const entry: Joined = {
      subscription,
      presence: undefined,
      leave: () => {
        subscription.close();
        leave();
        entry.presence?.stop();
        entry.presence = undefined;
        // Whoever saw this socket typing sees it stop.
        if (this.#typing.forget(chatId)) void this.#publishTyping(chatId, false);
      },
    };
    this.#joined.set(chatId, entry);
    await subscription.join(sinceSeq, current.last_seq);
    if (this.#principal.kind === 'operator') await this.#watchPresence(chatId, entry);
  }

  /** A staff socket on a chat hears who views it (`presence` frames), now and on every change. */
  async #watchPresence(chatId: string, entry: Joined): Promise<PresenceWatch | undefined> {
    if (entry.presence) return entry.presence;
    const { presence, tenant, socket } = this.#options;
    const watch = await presence.watch(tenant.id, chatId, this.id, (viewers) =>
      this.#sendPresence(chatId, entry, viewers),
    );
    // Left, joined again, or closed while the watch began: it is not this entry's any more.
    if (this.#joined.get(chatId) !== entry || socket.readyState !== socket.OPEN || entry.presence) {
      watch.stop();
      return entry.presence;
    }
    entry.presence = watch;
    if (watch.viewers.length > 0) this.#sendPresence(chatId, entry, watch.viewers);
    return watch;
  }

  #sendPresence(chatId: string, entry: Joined, viewers: Viewer[]): void {
    // Presence is for staff: a socket that now acts as someone else is not told.
    if (this.#joined.get(chatId) !== entry || this.#principal.kind !== 'operator') return;
    this.send({ type: 'presence', chat_id: chatId, seq: entry.subscription.lastSeq, viewers });
  }

  #mayAccess(visitorId: string): boolean {
    switch (this.#principal.kind) {
      case 'operator':
        return true;
      case 'visitor':
        return this.#principal.visitor_id === visitorId;
      case 'anonymous':
        return this.#options.allowAnonymous;
    }
  }

  async #receive(text: string | null): Promise<void> {
    const { socket } = this.#options;
    // Frames still queued when the connection closed (a flood, a revocation) are not acted on.
    if (socket.readyState !== socket.OPEN) return;
    if (!this.#takeToken()) {
      this.send({
        type: 'error',
        code: 'rate_limited',
        detail: `At most ${FRAMES_PER_SECOND} frames per second`,
        retry_after: 1,
      });
      if (this.#countRefusal()) socket.close(CLOSE_CODES.rate_limited, 'Too many frames');
      return;
    }
    let frame: ClientFrameType;
    try {
      const parsed = ClientFrame.safeParse(JSON.parse(text ?? ''));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.join('.') || 'frame';
        this.send({
          type: 'error',
          code: 'invalid_frame',
          detail: `Invalid ${where}: ${issue?.message ?? 'unknown frame'}`,
        });
        return;
      }
      frame = parsed.data;
    } catch {
      this.send({
        type: 'error',
        code: 'invalid_json',
        detail: 'Frames are JSON text objects with a "type"',
      });
      return;
    }
    try {
      // The rules of REST bodies apply to frames too: no NUL or unpaired surrogate (PostgreSQL
      // stores neither), no nesting deeper than the stores and `JSON.stringify` can walk.
      assertStorable(frame, 'frame');
      await this.#handle(frame);
    } catch (error) {
      const chatId = 'chat_id' in frame ? frame.chat_id : undefined;
      if (error instanceof ApiError) {
        this.send({
          type: 'error',
          code: error.code,
          detail: error.message,
          ...(chatId ? { chat_id: chatId } : {}),
          ...(error instanceof RetryLater ? { retry_after: error.retryAfter } : {}),
        });
      } else {
        this.#options.log.error({ err: error, frame_type: frame.type }, 'WebSocket frame failed');
        this.send({
          type: 'error',
          code: 'internal_error',
          detail: 'An unexpected error occurred',
          ...(chatId ? { chat_id: chatId } : {}),
        });
      }
    }
  }

  async #handle(frame: ClientFrameType): Promise<void> {
    const { tenant, hub, chats, sessionId } = this.#options;
    switch (frame.type) {
      case 'auth': {
        const token = frame.data?.token;
        if (frame.data?.tenant_id !== undefined && frame.data.tenant_id !== tenant.id) {
          throw new ApiError('tenant_mismatch', 'The auth frame names another tenant than the connection');
        }
        if (token) {
          const principal = await this.#options.authenticate(token);
          if (!principal) throw new ApiError('invalid_token');
          this.#principal = principal;
          // The inbox and presence are for operators: a socket that now acts as someone else
          // leaves them (and is no longer shown viewing anything).
          if (principal.kind !== 'operator') {
            this.#unsubscribeInbox();
            for (const entry of this.#joined.values()) {
              entry.presence?.stop();
              entry.presence = undefined;
            }
          }
        }
        this.send({
          type: 'auth_ok',
          tenant_id: tenant.id,
          session_id: sessionId,
          principal: this.#principal.kind,
        });
        return;
      }
      case 'join':
        return this.join(frame.chat_id, frame.since_seq, frame.stream ?? false);
      case 'leave':
        this.#joined.get(frame.chat_id)?.leave();
        this.#joined.delete(frame.chat_id);
        return;
      case 'message': {
        this.#requireJoined(frame.chat_id);
        if (this.#principal.kind === 'operator') {
          throw new ApiError('role_not_allowed', 'Operators reply through the operator API');
        }
        this.#requireUnexpired();
        await this.#countMessage();
        const { message, created } = await chats.postVisitorMessage(tenant.id, frame.chat_id, {
          content: frame.content,
          ...(frame.metadata ? { metadata: frame.metadata } : {}),
          ...(frame.client_message_id ? { client_message_id: frame.client_message_id } : {}),
        });
        this.send({
          type: 'ack',
          chat_id: frame.chat_id,
          seq: message.seq,
          client_message_id: message.client_message_id,
          message,
          replayed: !created,
        });
        return;
      }
      case 'typing':
        this.#requireJoined(frame.chat_id);
        this.#requireUnexpired();
        // Repeats within the interval are dropped without a word: they tell nobody anything new.
        if (this.#typing.admit(frame.chat_id, frame.is_typing))
          await this.#publishTyping(frame.chat_id, frame.is_typing);
        return;
      case 'viewing': {
        this.#requireOperator('Only operators are shown viewing a chat');
        const entry = this.#joined.get(frame.chat_id);
        if (!entry) throw new ApiError('chat_not_found', 'Join the chat first (a "join" frame)');
        if (!frame.is_viewing) {
          entry.presence?.view(undefined);
          return;
        }
        this.#requireUnexpired();
        const watch = await this.#watchPresence(frame.chat_id, entry);
        const principal = this.#principal;
        if (principal.kind === 'operator')
          watch?.view({ operator_id: principal.operator_id, name: await this.#operatorName() });
        return;
      }
      case 'stop':
        this.#requireJoined(frame.chat_id);
        this.#requireUnexpired();
        await hub.publish(chatChannel(tenant.id, frame.chat_id), { kind: 'stop' });
        return;
      case 'ping':
        this.send({ type: 'pong', ts: frame.ts ?? null, server_time: new Date().toISOString() });
        return;
      case 'inbox_subscribe':
        return this.#subscribeInbox();
      case 'inbox_unsubscribe':
        this.#unsubscribeInbox();
        return;
    }
  }

  /**
   * Operators only: the tenant's inbox events from now on. Subscribed first, then confirmed, so a
   * client that reads the list on `inbox_subscribed` misses no change made after that read began.
   */
  async #subscribeInbox(): Promise<void> {
    const { tenant, hub } = this.#options;
    if (this.#principal.kind === 'anonymous') {
      throw new ApiError('auth_required', 'Send an operator token before subscribing to the inbox');
    }
    if (this.#principal.kind !== 'operator') {
      throw new ApiError('insufficient_role', 'The inbox is for operators; visitors join their own chat');
    }
    this.#requireUnexpired();
    if (!this.#leaveInbox) {
      const subscription = new InboxSubscription({
        tenantId: tenant.id,
        send: (frame, serialized) => this.send(frame, serialized),
      });
      let left = false;
      const placeholder = () => {
        left = true;
      };
      this.#leaveInbox = placeholder;
      const leave = await hub.add(inboxChannel(tenant.id), subscription);
      // Unsubscribed (or closed) while the hub was opening the channel: leave at once.
      if (left || this.#leaveInbox !== placeholder) leave();
      else this.#leaveInbox = leave;
      if (left) return;
    }
    this.send({ type: 'inbox_subscribed', tenant_id: tenant.id });
  }

  async #publishTyping(chatId: string, isTyping: boolean): Promise<void> {
    const { hub, tenant } = this.#options;
    const operator = this.#principal.kind === 'operator';
    await hub.publish(chatChannel(tenant.id, chatId), {
      kind: 'typing',
      role: operator ? 'operator' : 'visitor',
      is_typing: isTyping,
      connection_id: this.id,
      ...(operator ? { name: await this.#operatorName() } : {}),
    });
  }

  /** The display name of the operator the socket acts as ("Anna is viewing"), read once. */
  #operatorName(): Promise<string> {
    const principal = this.#principal;
    if (principal.kind !== 'operator') return Promise.resolve('');
    if (this.#name?.operatorId !== principal.operator_id) {
      const { store, tenant } = this.#options;
      this.#name = {
        operatorId: principal.operator_id,
        name: store
          .getOperator(tenant.id, principal.operator_id)
          .then((operator) => operator?.name ?? 'An operator')
          .catch(() => 'An operator'),
      };
    }
    return this.#name.name;
  }

  /** Refuses a frame that only operators may send: anonymous sockets must sign in, visitors may not. */
  #requireOperator(detail: string): void {
    if (this.#principal.kind === 'anonymous') throw new ApiError('auth_required', detail);
    if (this.#principal.kind !== 'operator') throw new ApiError('insufficient_role', detail);
  }

  #unsubscribeInbox(): void {
    const leave = this.#leaveInbox;
    this.#leaveInbox = undefined;
    leave?.();
  }

  #requireJoined(chatId: string): void {
    if (!this.#joined.has(chatId))
      throw new ApiError('chat_not_found', 'Join the chat first (a "join" frame)');
  }

  /**
   * A token proves who the connection is only until it expires: after that, nothing new is done
   * on its word (joins, messages, typing, stop) until an `auth` frame brings a fresh one. Chats
   * joined before keep being delivered; ending the access itself is revocation's job.
   */
  #requireUnexpired(): void {
    if (hasExpired(this.#principal))
      throw new ApiError(
        'invalid_token',
        'The token of this connection has expired; send an "auth" frame with a fresh token',
      );
  }

  /** Spends one message of the REST limits, or refuses the frame with the wait. */
  async #countMessage(): Promise<void> {
    const retryAfter = await this.#options.countMessage?.(this.#principal);
    if (retryAfter !== undefined)
      throw new RetryLater(`Too many messages; retry in ${retryAfter} s`, retryAfter);
  }

  /** Records a refused frame; true when the client has been refused too many lately. */
  #countRefusal(): boolean {
    const now = Date.now();
    this.#refusedAt.push(now);
    while ((this.#refusedAt[0] ?? now) <= now - REFUSED_FRAMES_WINDOW_MS) this.#refusedAt.shift();
    if (this.#refusedAt.length > MAX_REFUSED_FRAMES + 1) this.#refusedAt.shift();
    return this.#refusedAt.length > MAX_REFUSED_FRAMES;
  }

  /** Token bucket: refills continuously up to the burst size. */
  #takeToken(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(
      FRAME_BURST,
      this.#tokens + ((now - this.#lastRefill) / 1000) * FRAMES_PER_SECOND,
    );
    this.#lastRefill = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #closeSubscriptions(): void {
    for (const { leave } of this.#joined.values()) leave();
    this.#joined.clear();
    this.#unsubscribeInbox();
  }
}

/** A chat the socket joined: its delivery, its presence watch (staff), and how to leave it. */
interface Joined {
  subscription: ChatSubscription;
  presence: PresenceWatch | undefined;
  leave: () => void;
}

/** A `rate_limited` refusal that tells the client how long to wait (`retry_after`, seconds). */
class RetryLater extends ApiError {
  readonly retryAfter: number;

  constructor(detail: string, retryAfter: number) {
    super('rate_limited', detail);
    this.retryAfter = retryAfter;
  }
}

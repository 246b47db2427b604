/**
 * One WebSocket to the platform that stays up: it reconnects with back-off and full jitter (no
 * attempt limit), at once when the browser comes back online or the page becomes visible, and
 * when the server says it is going away. On every (re)connection it joins each chat again from
 * that chat's resume point (`since_seq`), so the server replays exactly what was missed, and
 * subscribes to the operator inbox again when it was subscribed (`subscribeInbox`).
 * Refusals that waiting cannot fix (unknown tenant, forbidden origin, bad token) stop it with an
 * error instead of retrying forever.
 */
import type { ServerFrame } from '@miptech/protocol';
import { API_PREFIX, CLOSE_CODES } from '@miptech/protocol/constants';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { MIPTechError } from './errors.ts';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export interface RealtimeConnectionOptions {
  /** The platform's origin, `http(s)://…` or `ws(s)://…`. */
  baseUrl: string;
  tenantId: string;
  /** The token to connect with (visitor or operator), read at every (re)connection. */
  token?: () => string | undefined;
  backoff?: BackoffOptions;
  /** A WebSocket class (Node < 22, tests); default: the global one. */
  WebSocket?: typeof WebSocket;
}

export interface RealtimeEvents extends Record<string, unknown> {
  state: ConnectionState;
  frame: ServerFrame;
  /** The connection stopped for a reason retrying cannot fix. */
  error: MIPTechError;
}

interface Joined {
  /** Where to resume from, asked at every (re)join. */
  sinceSeq: () => number;
  stream: boolean;
}

/** Close codes after which reconnecting would be refused the same way. */
const FINAL_CLOSE_CODES = new Set<number>([
  CLOSE_CODES.tenant_invalid,
  CLOSE_CODES.tenant_not_found,
  CLOSE_CODES.forbidden,
  CLOSE_CODES.unauthorized,
]);

export class RealtimeConnection extends Emitter<RealtimeEvents> {
  readonly #options: RealtimeConnectionOptions;
  readonly #joined = new Map<string, Joined>();
  /** Chats this socket shows its operator: declared again after every (re)join. */
  readonly #viewing = new Set<string>();
  #inbox = false;
  #socket: WebSocket | undefined;
  #state: ConnectionState = 'idle';
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastFrameAt = 0;
  #wanted = false;
  /** Back online: a socket that lived through it is open again; otherwise reconnect now. */
  readonly #wake = () => {
    if (this.#socket?.readyState === 1 && this.#lastFrameAt > 0) this.#setState('open');
    else this.#reconnectNow();
  };
  readonly #offline = () => this.#setState('offline');
  readonly #visible = () => {
    if (typeof document === 'object' && document.visibilityState === 'visible') this.#reconnectNow();
  };

  constructor(options: RealtimeConnectionOptions) {
    super();
    this.#options = options;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Opens the connection (and keeps it open until `close()`). Calling it again does nothing. */
  connect(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    if (typeof addEventListener === 'function') {
      addEventListener('online', this.#wake);
      addEventListener('offline', this.#offline);
    }
    if (typeof document === 'object') document.addEventListener('visibilitychange', this.#visible);
    this.#open();
  }

  /** Joins a chat now (when open) and after every reconnection. */
  join(chatId: string, options: Joined): void {
    this.#joined.set(chatId, options);
    // Before the greeting, the join goes out with the others once the connection is established.
    if (this.#state === 'open') this.#sendJoin(chatId, options);
  }

  /**
   * Operators: receive the tenant's inbox (`inbox_chat` frames) now and after every reconnection.
   * Each `inbox_subscribed` frame marks a fresh subscription: read the list then, since changes
   * made while the socket was down were not sent.
   */
  subscribeInbox(): void {
    this.#inbox = true;
    if (this.#state === 'open') this.send({ type: 'inbox_subscribe' });
  }

  unsubscribeInbox(): void {
    if (!this.#inbox) return;
    this.#inbox = false;
    this.send({ type: 'inbox_unsubscribe' });
  }

  /**
   * Operators: this console shows the chat (`true`) or no longer (`false`). Other operators on the
   * chat see "Anna is viewing" (`presence` frames). Kept across reconnections, until `leave`.
   */
  view(chatId: string, viewing: boolean): void {
    if (viewing) this.#viewing.add(chatId);
    else if (!this.#viewing.delete(chatId)) return;
    if (this.#state === 'open' && this.#joined.has(chatId))
      this.send({ type: 'viewing', chat_id: chatId, is_viewing: viewing });
  }

  leave(chatId: string): void {
    // Leaving ends the viewing on the server too.
    this.#viewing.delete(chatId);
    if (this.#joined.delete(chatId)) this.send({ type: 'leave', chat_id: chatId });
  }

  /** Sends a client frame; false when the socket is not open (nothing is queued here). */
  send(frame: Record<string, unknown> & { type: string }): boolean {
    if (this.#socket?.readyState !== 1) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes for good (until `connect()` again). */
  close(): void {
    this.#wanted = false;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#heartbeat);
    if (typeof removeEventListener === 'function') {
      removeEventListener('online', this.#wake);
      removeEventListener('offline', this.#offline);
    }
    if (typeof document === 'object') document.removeEventListener('visibilitychange', this.#visible);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000, 'Client closed');
    this.#setState('closed');
  }

  #open(): void {
    if (!this.#wanted) return;
    const Socket = this.#options.WebSocket ?? globalThis.WebSocket;
    const url = new URL(
      `${this.#options.baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}${API_PREFIX}/ws`,
    );
    url.searchParams.set('tenant_id', this.#options.tenantId);
    const token = this.#options.token?.();
    if (token) url.searchParams.set('token', token);
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new Socket(url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#lastFrameAt = Date.now();
    };
    socket.onmessage = (event) => {
      this.#lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'connection_established') {
        this.#startHeartbeat(frame.heartbeat_interval_ms);
        this.#setState('open');
        for (const [chatId, joined] of this.#joined) this.#sendJoin(chatId, joined);
        if (this.#inbox) this.send({ type: 'inbox_subscribe' });
      }
      this.emit('frame', frame);
    };
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      clearInterval(this.#heartbeat);
      if (!this.#wanted) return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.#wanted = false;
        this.#setState('closed');
        this.emit(
          'error',
          new MIPTechError(event.reason || `The platform refused the connection (${event.code})`, {
            code: `close_${event.code}`,
            type: event.code === CLOSE_CODES.unauthorized ? 'auth' : 'websocket',
          }),
        );
        return;
      }
      this.#scheduleReconnect(event.code === CLOSE_CODES.going_away);
    };
  }

  #sendJoin(chatId: string, joined: Joined): void {
    this.send({ type: 'join', chat_id: chatId, since_seq: joined.sinceSeq(), stream: joined.stream });
    // A join (again) starts afresh on the server: say again that the chat is in view.
    if (this.#viewing.has(chatId)) this.send({ type: 'viewing', chat_id: chatId, is_viewing: true });
  }

  #scheduleReconnect(soon: boolean): void {
    if (this.#state !== 'offline') this.#setState('reconnecting');
    // A 'state' listener may have closed the connection just now: then there is nothing to retry.
    if (!this.#wanted) return;
    const delay = soon
      ? Math.min(250, backoffDelay(0, this.#options.backoff))
      : backoffDelay(this.#attempt, this.#options.backoff);
    this.#attempt += 1;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #reconnectNow(): void {
    if (!this.#wanted || this.#socket) return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  /**
   * The browser answers the server's pings by itself, but cannot tell a dead network from a
   * quiet one: a `ping` frame now and then, and a socket silent for two intervals is replaced.
   */
  #startHeartbeat(intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastFrameAt > intervalMs * 2) {
        const socket = this.#socket;
        this.#socket = undefined;
        socket?.close(4000, 'No frames; reconnecting');
        this.#scheduleReconnect(true);
        return;
      }
      this.send({ type: 'ping', ts: Date.now() });
    }, intervalMs);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

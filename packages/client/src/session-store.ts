/**
 * What a visitor's browser remembers between page loads: who they are (session and visitor ids,
 * the visitor token), their current chat, how far it is held (`lastSeq`) and how far the visitor
 * has seen it (`readSeq`, for an unread count that survives a reload), and the messages
 * they sent that the server has not acknowledged yet (the outbox). Kept in `localStorage`, one key
 * per tenant, for 24 hours as in the seeds; in memory where storage is blocked (Safari private
 * mode, sandboxed iframes, Node). Never a refresh token: operators' live in an HttpOnly cookie.
 */

/** A message sent but not yet acknowledged: resent, with the same id, until it is. */
export interface OutboxEntry {
  client_message_id: string;
  chat_id: string;
  content: string;
  created_at: string;
}

export interface SessionData {
  sessionId: string;
  visitorId: string | null;
  /** Proves ownership of the visitor's chats; sent as a bearer token. */
  visitorToken: string | null;
  chatId: string | null;
  /** The chat's resume point: every message up to this seq is held in final form. */
  lastSeq: number;
  /** The newest seq the visitor has had in view (a UI sets it); later replies are unread. */
  readSeq: number;
  outbox: OutboxEntry[];
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** The part of the Web Storage API the store uses. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionStoreOptions {
  tenantId: string;
  /** Default: `localStorage` when it works, else memory. */
  storage?: KeyValueStorage;
  /** Default 24 hours. */
  ttlMs?: number;
  /** For tests. */
  now?: () => number;
}

const DAY = 24 * 60 * 60 * 1000;

export class SessionStore {
  readonly #key: string;
  readonly #storage: KeyValueStorage;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #session: SessionData | undefined;

  constructor(options: SessionStoreOptions) {
    this.#key = `miptech:${options.tenantId}:session`;
    this.#storage = options.storage ?? browserStorage() ?? memoryStorage();
    this.#ttlMs = options.ttlMs ?? DAY;
    this.#now = options.now ?? Date.now;
  }

  /** The current session, a new one when there was none or it expired. */
  get(): SessionData {
    if (this.#session && !this.#expired(this.#session)) return this.#session;
    const saved = this.#read();
    this.#session = saved && !this.#expired(saved) ? saved : this.#fresh();
    if (this.#session !== saved) this.#write(this.#session);
    return this.#session;
  }

  update(changes: Partial<SessionData>): SessionData {
    this.#session = { ...this.get(), ...changes };
    this.#write(this.#session);
    return this.#session;
  }

  /** Forgets everything: the next `get()` starts a new session. */
  clear(): void {
    this.#session = undefined;
    try {
      this.#storage.removeItem(this.#key);
    } catch {
      // Storage that refuses writes has nothing of ours to remove.
    }
  }

  #expired(session: SessionData): boolean {
    return this.#now() - session.createdAt >= this.#ttlMs;
  }

  #fresh(): SessionData {
    return {
      sessionId: `session_${crypto.randomUUID()}`,
      visitorId: null,
      visitorToken: null,
      chatId: null,
      lastSeq: 0,
      readSeq: 0,
      outbox: [],
      createdAt: this.#now(),
    };
  }

  #read(): SessionData | undefined {
    try {
      const parsed = JSON.parse(this.#storage.getItem(this.#key) ?? 'null') as Partial<SessionData> | null;
      if (!parsed || typeof parsed.sessionId !== 'string' || typeof parsed.createdAt !== 'number') return;
      return {
        sessionId: parsed.sessionId,
        visitorId: parsed.visitorId ?? null,
        visitorToken: parsed.visitorToken ?? null,
        chatId: parsed.chatId ?? null,
        lastSeq: Number.isInteger(parsed.lastSeq) ? Number(parsed.lastSeq) : 0,
        readSeq: Number.isInteger(parsed.readSeq) ? Number(parsed.readSeq) : 0,
        outbox: Array.isArray(parsed.outbox) ? parsed.outbox : [],
        createdAt: parsed.createdAt,
      };
    } catch {
      return undefined;
    }
  }

  #write(session: SessionData): void {
    try {
      this.#storage.setItem(this.#key, JSON.stringify(session));
    } catch {
      // Full or blocked storage: the session lives on in memory for this page.
    }
  }
}

/** `localStorage`, if this page may use it (reading it throws in sandboxed iframes). */
function browserStorage(): KeyValueStorage | undefined {
  try {
    const storage = globalThis.localStorage;
    if (!storage) return undefined;
    const probe = '__miptech_probe__';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

export function memoryStorage(): KeyValueStorage {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

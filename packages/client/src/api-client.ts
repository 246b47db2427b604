/**
 * The platform's REST API for a website: health and readiness, chats, messages, handoff.
 * Operators' calls (login and the like) are in {@link AuthClient}.
 *
 * @example
 * const api = new ApiClient({ baseUrl: 'http://localhost:8000', tenantId: 'miptech-company' });
 * await api.waitUntilReady();
 * const chat = await api.createChat({ session_id: 's-1' });
 */
import type { Chat, CreatedChat, Message, MessagePage, WidgetConfig } from '@miptech/protocol';
import { Http, type HttpOptions } from './http.ts';

/** What `GET /api/v1/health` answers. */
export interface Health {
  status: 'healthy' | 'unhealthy';
  version: string;
  protocol_version: string;
  ai_services_ready: boolean;
  checks: Record<string, string>;
  tenant?: string;
}

export interface ReadyOptions {
  /** Pause between checks; default 1700 ms, the seeds' cadence for the AI to warm up. */
  intervalMs?: number;
  /** Each pause is this many times the previous one; default 1.5. */
  factor?: number;
  /** Longest pause; default 10 s. */
  maxIntervalMs?: number;
  /** Checks before giving up; default 5. */
  attempts?: number;
  signal?: AbortSignal;
}

export interface NewChat {
  session_id?: string;
  visitor_id?: string;
  title?: string;
  context?: { page_url?: string; referrer?: string; user_agent?: string; [key: string]: unknown };
}

export interface NewMessage {
  content: string;
  /** Idempotency key: resending it never stores a second message. */
  client_message_id: string;
  metadata?: Record<string, unknown>;
}

export class ApiClient {
  readonly http: Http;

  constructor(options: HttpOptions | Http) {
    this.http = options instanceof Http ? options : new Http(options);
  }

  health(): Promise<Health> {
    return this.http.request('/health');
  }

  /** The tenant's public widget settings (its greeting), as set in the operator console. */
  widgetConfig(): Promise<WidgetConfig> {
    return this.http.request('/widget/config');
  }

  /**
   * Polls health until the assistant is ready, with back-off. Resolves true when ready, false
   * when the attempts ran out (callers may go on: messages are stored and answered once ready).
   */
  async waitUntilReady(options: ReadyOptions = {}): Promise<boolean> {
    const { attempts = 5, factor = 1.5, maxIntervalMs = 10_000, signal } = options;
    let pause = options.intervalMs ?? 1700;
    for (let attempt = 1; ; attempt++) {
      try {
        const health = await this.health();
        if (health.ai_services_ready) return true;
      } catch (error) {
        if (signal?.aborted) throw error;
      }
      if (attempt >= attempts) return false;
      await sleep(pause, signal);
      pause = Math.min(maxIntervalMs, pause * factor);
    }
  }

  createChat(chat: NewChat, visitorToken?: string): Promise<CreatedChat> {
    return this.http.request('/chat', { method: 'POST', body: chat, token: visitorToken });
  }

  getChat(chatId: string, visitorToken?: string): Promise<Chat> {
    return this.http.request(`/chat/${encodeURIComponent(chatId)}`, { token: visitorToken });
  }

  /** Posts a visitor message; the answer is the stored message (it carries a client_message_id). */
  sendMessage(chatId: string, message: NewMessage, visitorToken?: string): Promise<Message> {
    return this.http.request(`/chat/${encodeURIComponent(chatId)}/messages`, {
      method: 'POST',
      body: message,
      token: visitorToken,
    });
  }

  /** One page of history, oldest first; pass the previous page's `next_cursor` for the next. */
  listMessages(
    chatId: string,
    page: { limit?: number; cursor?: string | null } = {},
    visitorToken?: string,
  ): Promise<MessagePage> {
    const query = new URLSearchParams({ limit: String(page.limit ?? 200) });
    if (page.cursor) query.set('cursor', page.cursor);
    return this.http.request(`/chat/${encodeURIComponent(chatId)}/messages?${query}`, {
      token: visitorToken,
    });
  }

  /** Asks for a person: the chat waits for an operator and the assistant goes quiet. */
  requestHuman(chatId: string, visitorToken?: string): Promise<Chat> {
    return this.http.request(`/chat/${encodeURIComponent(chatId)}/handoff`, {
      method: 'POST',
      body: {},
      token: visitorToken,
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

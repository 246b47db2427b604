/**
 * How often one socket's typing reaches a chat's other sockets. A client repeats `typing: true`
 * every couple of seconds while its person types (so a lost `false` cannot leave an indicator on
 * forever, receivers let it fade); one relay per interval is all a receiver needs, and a client
 * that sends one per keystroke costs every staff socket of the chat nothing more. A `false` is
 * relayed only when a `true` was, so stopping twice is one event.
 */
import { TYPING_RELAY_INTERVAL_MS } from '@miptech/protocol';

export class TypingThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Chats where this socket's relayed state is "typing", with when that was last relayed. */
  readonly #typingSince = new Map<string, number>();

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? TYPING_RELAY_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Whether this `typing` frame is relayed; records it when it is. */
  admit(chatId: string, isTyping: boolean): boolean {
    const relayedAt = this.#typingSince.get(chatId);
    if (!isTyping) return this.#typingSince.delete(chatId);
    const now = this.#now();
    if (relayedAt !== undefined && now - relayedAt < this.#intervalMs) return false;
    this.#typingSince.set(chatId, now);
    return true;
  }

  /** The socket leaves the chat: true when a relayed "typing" must be taken back. */
  forget(chatId: string): boolean {
    return this.#typingSince.delete(chatId);
  }

  /** Chats where the socket is still shown typing (it is closing). */
  typingChats(): string[] {
    return [...this.#typingSince.keys()];
  }
}

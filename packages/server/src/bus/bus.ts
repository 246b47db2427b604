/**
 * The `Bus` contract: how instances tell each other that something happened in a chat. The
 * database stays the source of truth; the bus only wakes instances up ("chat C changed, seq N")
 * and carries what is not stored (typing, stop requests, the text of a reply in progress).
 *
 * Two implementations, both passing `bus.conformance.ts`: `memory-bus.ts` (one process, the
 * default) and `redis-bus.ts` (Redis pub/sub, when `REDIS_URL` is set).
 */

/** A JSON-serialisable event; what it means is up to the publisher and subscribers of a channel. */
export type BusEvent = Record<string, unknown>;

/** Receives the events of a channel, in the order this instance received them. */
export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  /** `memory` or `redis`, for logs and health. */
  readonly kind: 'memory' | 'redis';
  /**
   * Delivers `event` to every subscriber of `channel` on every instance, this one included. Local
   * subscribers receive it even while the distributed transport is down (they are served first),
   * so an instance keeps serving its own sockets through an outage. Resolves once handed over;
   * never throws because the transport is down.
   */
  publish(channel: string, event: BusEvent): Promise<void>;
  /**
   * Subscribes `handler` to `channel`; resolves once events published after that (from any
   * instance) will reach it. Returns the function that unsubscribes.
   */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  /**
   * Calls `listener` after the transport came back from an outage: events published elsewhere in
   * the meantime may be lost, so subscribers should catch up from the database. Returns the
   * function that removes the listener.
   */
  onRecovered(listener: () => void): () => void;
  /** True while events reach other instances (always true for the in-process bus). */
  isConnected(): boolean;
  /** Releases connections; later calls do nothing. */
  close(): Promise<void>;
}

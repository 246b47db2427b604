/**
 * The in-process bus, and the base every other bus builds on: it owns local delivery (handler
 * sets, ordering, error isolation) and the channel life cycle, so a distributed bus only fills in
 * the transport hooks (`transmit`, `openChannel`, `closeChannel`, `release`), as socket.io's
 * cluster adapters do.
 */
import type { Bus, BusEvent, BusHandler } from './bus.ts';

/** Where a bus reports what it must not throw (a failing handler, a transport outage); pino fits. */
export interface BusLog {
  warn(details: object, message: string): void;
}

/** Options shared by every bus. */
export interface BusOptions {
  log?: BusLog;
}

interface Channel {
  readonly handlers: Set<BusHandler>;
  /** Settles once the transport delivers this channel's events from other instances. */
  readonly opened: Promise<void>;
}

/**
 * The bus of a single process: events reach the subscribers of this process only.
 *
 * @example
 * ```ts
 * const bus = new MemoryBus();
 * const unsubscribe = await bus.subscribe('chat:42', (event) => console.log(event));
 * await bus.publish('chat:42', { type: 'chat-changed', seq: 7 });
 * await unsubscribe();
 * ```
 */
export class MemoryBus implements Bus {
  readonly kind: Bus['kind'] = 'memory';
  protected readonly log: BusLog | undefined;
  readonly #channels = new Map<string, Channel>();
  readonly #recoveredListeners = new Set<() => void>();
  #closing: Promise<void> | undefined;

  constructor(options: BusOptions = {}) {
    this.log = options.log;
  }

  async publish(channel: string, event: BusEvent): Promise<void> {
    // Local subscribers first, so an instance keeps serving its own sockets whatever the transport does.
    this.deliver(channel, event);
    await this.transmit(channel, event);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const subscription: BusHandler = (event) => handler(event);
    let state = this.#channels.get(channel);
    if (!state) {
      const opened = this.openChannel(channel).catch((error: unknown) =>
        this.log?.warn({ err: error, channel }, 'Bus: subscribing on the transport failed'),
      );
      state = { handlers: new Set(), opened };
      this.#channels.set(channel, state);
    }
    state.handlers.add(subscription);
    // Later subscribers of a channel wait for the same opening, so none resolves before delivery works.
    await state.opened;
    const current = state;
    let unsubscribed = false;
    return async () => {
      if (unsubscribed) return;
      unsubscribed = true;
      current.handlers.delete(subscription);
      if (current.handlers.size > 0 || this.#channels.get(channel) !== current) return;
      this.#channels.delete(channel);
      await this.closeChannel(channel).catch((error: unknown) =>
        this.log?.warn({ err: error, channel }, 'Bus: unsubscribing on the transport failed'),
      );
    };
  }

  onRecovered(listener: () => void): () => void {
    // A wrapper, so removing one registration leaves another of the same function in place.
    const registration = () => listener();
    this.#recoveredListeners.add(registration);
    return () => void this.#recoveredListeners.delete(registration);
  }

  isConnected(): boolean {
    return true;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#channels.clear();
      this.#recoveredListeners.clear();
      await this.release();
    })();
    return this.#closing;
  }

  /** Whether {@link close} was called; a transport uses it to stop reporting its own shutdown as failures. */
  protected get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Hands `event` to this process's subscribers of `channel`, each in its own try, after the
   * current task: a handler can neither re-enter the publisher nor keep the others from the event.
   */
  protected deliver(channel: string, event: BusEvent): void {
    const state = this.#channels.get(channel);
    if (!state) return;
    // Subscribers added after the publish do not get it; those removed before delivery do not either.
    const handlers = [...state.handlers];
    queueMicrotask(() => {
      for (const handler of handlers) {
        if (!state.handlers.has(handler)) continue;
        try {
          handler(event);
        } catch (error) {
          this.log?.warn({ err: error, channel }, 'Bus: a subscriber failed on an event');
        }
      }
    });
  }

  /** Calls the `onRecovered` listeners; for a transport that was down and is back. */
  protected notifyRecovered(): void {
    for (const listener of [...this.#recoveredListeners]) {
      try {
        listener();
      } catch (error) {
        this.log?.warn({ err: error }, 'Bus: a recovery listener failed');
      }
    }
  }

  /** Sends `event` to the other instances; nothing to do in one process. Must not throw. */
  protected async transmit(_channel: string, _event: BusEvent): Promise<void> {}

  /** Starts receiving `channel` from other instances (first local subscriber); resolves when it does. */
  protected async openChannel(_channel: string): Promise<void> {}

  /** Stops receiving `channel` from other instances (last local subscriber gone). */
  protected async closeChannel(_channel: string): Promise<void> {}

  /** Releases the transport; called once, by {@link close}. */
  protected async release(): Promise<void> {}
}

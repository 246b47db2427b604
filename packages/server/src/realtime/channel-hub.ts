/**
 * One bus subscription per chat channel per instance, however many sockets here joined the chat:
 * the hub fans each event out to the local subscriptions. When the bus recovers from an outage,
 * every subscription re-reads what it may have missed from the database.
 */
import type { Bus, BusEvent } from '../bus/bus.ts';
import { asChatEvent } from '../bus/chat-events.ts';
import type { ChatSubscription } from './chat-subscription.ts';

export class ChannelHub {
  readonly #bus: Bus;
  readonly #channels = new Map<
    string,
    { members: Set<ChatSubscription>; ready: Promise<() => Promise<void>> }
  >();
  readonly #stopListening: () => void;

  constructor(bus: Bus) {
    this.#bus = bus;
    this.#stopListening = bus.onRecovered(() => {
      for (const { members } of this.#channels.values()) for (const member of members) member.resync();
    });
  }

  /** Adds a subscription; resolves once the channel's events reach it. Returns the function that removes it. */
  async add(channel: string, subscription: ChatSubscription): Promise<() => void> {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const members = new Set<ChatSubscription>();
      const ready = this.#bus.subscribe(channel, (event) => {
        const chatEvent = asChatEvent(event);
        if (chatEvent) for (const member of members) member.handle(chatEvent);
      });
      entry = { members, ready };
      this.#channels.set(channel, entry);
    }
    entry.members.add(subscription);
    await entry.ready;
    const current = entry;
    return () => {
      current.members.delete(subscription);
      if (current.members.size === 0 && this.#channels.get(channel) === current) {
        this.#channels.delete(channel);
        void current.ready.then((unsubscribe) => unsubscribe());
      }
    };
  }

  publish(channel: string, event: BusEvent): Promise<void> {
    return this.#bus.publish(channel, event);
  }

  /** Channels with at least one local subscriber (for tests and metrics). */
  get size(): number {
    return this.#channels.size;
  }

  close(): void {
    this.#stopListening();
  }
}

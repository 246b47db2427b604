/**
 * One bus subscription per channel per instance (a chat's, a tenant's inbox), however many sockets
 * here listen to it: the hub fans each event out to the local members. When the bus recovers from
 * an outage, every member catches up on what it may have missed (from the database).
 */
import type { Bus, BusEvent } from '../bus/bus.ts';

/** A socket's subscription to one channel: a chat it joined, or its tenant's inbox. */
export interface HubMember {
  /** An event of the channel; the member checks its shape (the bus carries plain JSON). */
  handle(event: BusEvent): void;
  /** Events may have been lost (the bus was down): catch up. */
  resync(): void;
}

export class ChannelHub {
  readonly #bus: Bus;
  readonly #channels = new Map<string, { members: Set<HubMember>; ready: Promise<() => Promise<void>> }>();
  readonly #stopListening: () => void;

  constructor(bus: Bus) {
    this.#bus = bus;
    this.#stopListening = bus.onRecovered(() => {
      for (const { members } of this.#channels.values()) for (const member of members) member.resync();
    });
  }

  /** Adds a subscription; resolves once the channel's events reach it. Returns the function that removes it. */
  async add(channel: string, subscription: HubMember): Promise<() => void> {
    let entry = this.#channels.get(channel);
    if (!entry) {
      const members = new Set<HubMember>();
      const ready = this.#bus.subscribe(channel, (event) => {
        for (const member of members) member.handle(event);
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

/**
 * Which operators view which chat, on every instance, without storing anything (decision 016).
 *
 * One table per chat per instance, and only while a staff socket of this instance is on the chat:
 * it joins the chat's bus channel as one more hub member (the channel is open already for the
 * sockets' chat subscriptions, so this costs no extra bus subscription). The table is fed by
 * `viewer` events from every instance; this instance announces its own viewers when they start or
 * stop, and again every `refreshMs` with a time to live of `ttlMs`. An entry not refreshed in time
 * is forgotten: an instance that crashed leaves no ghost for longer than that. When an instance
 * starts following a chat, it asks the others to announce at once (`viewers_sync`), so a newcomer
 * does not wait a refresh interval to see who is there.
 */
import type { Viewer } from '@miptech/protocol';
import type { BusEvent } from '../bus/bus.ts';
import { chatChannel } from '../bus/chat-events.ts';
import { asPresenceEvent, type PresenceEvent } from '../bus/presence-events.ts';
import type { ChannelHub, HubMember } from './channel-hub.ts';

export interface PresenceTimings {
  /** How often an instance announces its viewers again, in milliseconds. */
  refreshMs: number;
  /** How long an announcement holds without a refresh; over two refreshes, so one lost event is no flicker. */
  ttlMs: number;
}

export const DEFAULT_PRESENCE_TIMINGS: PresenceTimings = { refreshMs: 15_000, ttlMs: 40_000 };

/** Receives the chat's viewers whenever the list changes. */
export type ViewersListener = (viewers: Viewer[]) => void;

/** A staff socket's hold on a chat's presence, from its join until it leaves. */
export interface PresenceWatch {
  /** The viewers known when the watch began (maybe none yet: the other instances answer soon). */
  readonly viewers: Viewer[];
  /** The socket shows the chat to its operator (`viewer`), or no longer (`undefined`). */
  view(viewer: Viewer | undefined): void;
  /** Ends the watch (and the socket's viewing, if any). */
  stop(): void;
}

interface Entry extends Viewer {
  expiresAt: number;
}

/** One chat's viewers, as this instance knows them. */
class ChatPresence implements HubMember {
  readonly listeners = new Map<string, ViewersListener>();
  /** This instance's viewers, by connection id. */
  readonly local = new Map<string, Viewer>();
  /** Every instance's viewers, by connection id. */
  readonly #entries = new Map<string, Entry>();
  #shown = '[]';
  leave: (() => void) | undefined;
  readonly #channel: string;
  readonly #board: PresenceBoard;

  constructor(channel: string, board: PresenceBoard) {
    this.#channel = channel;
    this.#board = board;
  }

  handle(busEvent: BusEvent): void {
    const event = asPresenceEvent(busEvent);
    if (!event) return;
    if (event.kind === 'viewers_sync') {
      this.announceLocal();
      return;
    }
    if (event.viewing) {
      const { operator_id, name } = event;
      this.#entries.set(event.connection_id, {
        operator_id,
        name,
        expiresAt: this.#board.now() + event.ttl_ms,
      });
    } else {
      this.#entries.delete(event.connection_id);
    }
    this.#notify();
  }

  /** The bus was down: events may be lost both ways, so announce ours and ask for theirs. */
  resync(): void {
    this.announceLocal();
    this.#board.publish(this.#channel, { kind: 'viewers_sync' });
  }

  announce(connectionId: string, viewer: Viewer, viewing: boolean): void {
    this.#board.publish(this.#channel, {
      kind: 'viewer',
      connection_id: connectionId,
      ...viewer,
      viewing,
      ttl_ms: this.#board.timings.ttlMs,
    });
  }

  announceLocal(): void {
    for (const [connectionId, viewer] of this.local) this.announce(connectionId, viewer, true);
  }

  /** Forgets the entries whose refresh is overdue. */
  sweep(now: number): void {
    let changed = false;
    for (const [connectionId, entry] of this.#entries) {
      if (entry.expiresAt <= now) changed = this.#entries.delete(connectionId) || changed;
    }
    if (changed) this.#notify();
  }

  /** Each operator once (two tabs are one viewer), by name. */
  viewers(): Viewer[] {
    const byOperator = new Map<string, Viewer>();
    for (const { operator_id, name } of this.#entries.values())
      byOperator.set(operator_id, { operator_id, name });
    return [...byOperator.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.operator_id.localeCompare(b.operator_id),
    );
  }

  #notify(): void {
    const viewers = this.viewers();
    const shown = JSON.stringify(viewers);
    if (shown === this.#shown) return;
    this.#shown = shown;
    for (const listener of this.listeners.values()) listener(viewers);
  }
}

export class PresenceBoard {
  readonly timings: PresenceTimings;
  readonly #hub: ChannelHub;
  readonly #chats = new Map<string, { presence: ChatPresence; ready: Promise<void> }>();
  readonly #timer: NodeJS.Timeout;
  readonly #now: () => number;

  constructor(options: { hub: ChannelHub; timings?: Partial<PresenceTimings>; now?: () => number }) {
    this.#hub = options.hub;
    this.timings = { ...DEFAULT_PRESENCE_TIMINGS, ...options.timings };
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.refresh(), this.timings.refreshMs);
    this.#timer.unref();
  }

  now(): number {
    return this.#now();
  }

  /**
   * A staff socket (`connectionId`) is on the chat: `listener` hears every change of its viewers
   * from now on. Resolves once the chat's events reach this instance.
   */
  async watch(
    tenantId: string,
    chatId: string,
    connectionId: string,
    listener: ViewersListener,
  ): Promise<PresenceWatch> {
    const channel = chatChannel(tenantId, chatId);
    let held = this.#chats.get(channel);
    if (!held) {
      const presence = new ChatPresence(channel, this);
      const ready = this.#hub.add(channel, presence).then((leave) => {
        presence.leave = leave;
        // Following the chat from now on: the other instances say who views it.
        this.publish(channel, { kind: 'viewers_sync' });
      });
      held = { presence, ready };
      this.#chats.set(channel, held);
    }
    const { presence, ready } = held;
    presence.listeners.set(connectionId, listener);
    await ready;
    let stopped = false;
    return {
      viewers: presence.viewers(),
      view: (viewer) => {
        if (stopped) return;
        if (viewer) {
          presence.local.set(connectionId, viewer);
          presence.announce(connectionId, viewer, true);
          return;
        }
        const was = presence.local.get(connectionId);
        if (was && presence.local.delete(connectionId)) presence.announce(connectionId, was, false);
      },
      stop: () => {
        if (stopped) return;
        const was = presence.local.get(connectionId);
        if (was && presence.local.delete(connectionId)) presence.announce(connectionId, was, false);
        stopped = true;
        presence.listeners.delete(connectionId);
        if (presence.listeners.size > 0 || this.#chats.get(channel)?.presence !== presence) return;
        this.#chats.delete(channel);
        presence.leave?.();
      },
    };
  }

  /** Announces this instance's viewers again and forgets the others' overdue ones. */
  refresh(): void {
    const now = this.#now();
    for (const { presence } of this.#chats.values()) {
      presence.announceLocal();
      presence.sweep(now);
    }
  }

  publish(channel: string, event: PresenceEvent): void {
    // The bus never throws for an outage; presence is best effort, so nothing waits for it.
    void this.#hub.publish(channel, event).catch(() => {});
  }

  /** Chats followed here (tests). */
  get size(): number {
    return this.#chats.size;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

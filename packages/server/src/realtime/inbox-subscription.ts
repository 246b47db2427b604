/**
 * An operator socket's subscription to its tenant's inbox (`inbox_subscribe`): every inbox event
 * of the tenant becomes an `inbox_chat` frame. The events carry the whole inbox line, so there is
 * no order to keep per socket: a client keeps, per chat, the frame with the highest `last_seq`.
 * After a bus outage, the socket is told to read the list again (`inbox_resync`).
 *
 * Fan-out cost: the hub hands one event object to every subscription of the tenant, so the frame
 * is serialised once per event and the bytes shared, as for chats.
 */
import type { ServerFrame } from '@miptech/protocol';
import type { BusEvent } from '../bus/bus.ts';
import { asInboxEvent } from '../bus/inbox-events.ts';
import { toWireSummary } from '../http/chat-summary.ts';
import type { HubMember } from './channel-hub.ts';

const sharedFrames = new WeakMap<BusEvent, Buffer>();

export class InboxSubscription implements HubMember {
  readonly #tenantId: string;
  readonly #send: (frame: ServerFrame, serialized?: Buffer) => void;

  constructor(options: { tenantId: string; send: (frame: ServerFrame, serialized?: Buffer) => void }) {
    this.#tenantId = options.tenantId;
    this.#send = options.send;
  }

  handle(busEvent: BusEvent): void {
    const event = asInboxEvent(busEvent, this.#tenantId);
    if (!event) return;
    const frame: ServerFrame = { type: 'inbox_chat', change: event.change, chat: toWireSummary(event) };
    let bytes = sharedFrames.get(busEvent);
    if (!bytes) {
      bytes = Buffer.from(JSON.stringify(frame));
      sharedFrames.set(busEvent, bytes);
    }
    this.#send(frame, bytes);
  }

  resync(): void {
    this.#send({ type: 'inbox_resync', tenant_id: this.#tenantId });
  }
}

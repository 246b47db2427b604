/** An inbox subscription on the hub: inbox lines become frames, another tenant's never, a bus recovery asks for a re-read. */
import type { ServerFrame } from '@miptech/protocol';
import { describe, expect, it } from 'vitest';
import { inboxChannel } from '../bus/inbox-events.ts';
import { MemoryBus } from '../bus/memory-bus.ts';
import type { ChatRecord } from '../storage/store.ts';
import { ChannelHub } from './channel-hub.ts';
import { InboxSubscription } from './inbox-subscription.ts';

/** A bus whose transport "comes back" when a test says so. */
class RecoveringBus extends MemoryBus {
  recover(): void {
    this.notifyRecovered();
  }
}

const chat = (tenant_id: string, id: string): ChatRecord => ({
  id,
  tenant_id,
  session_id: 's',
  visitor_id: 'v',
  title: 'Website Chat',
  status: 'waiting_for_human',
  assigned_to: null,
  context: { page_url: 'https://example.com/' },
  last_seq: 3,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});
// Asked for a human a minute before the chat's last change (a visitor's message since).
const activity = {
  last_message: null,
  unread_count: 2,
  last_page_url: null,
  handoff_at: '2025-12-31T23:59:00.000Z',
};

describe('InboxSubscription', () => {
  it("sends its tenant's inbox lines once serialised, ignores others, and asks for a re-read after an outage", async () => {
    const bus = new RecoveringBus();
    const hub = new ChannelHub(bus);
    const received: Array<{ frame: ServerFrame; bytes: string | undefined }> = [];
    const subscription = new InboxSubscription({
      tenantId: 'acme',
      send: (frame, serialized) => received.push({ frame, bytes: serialized?.toString() }),
    });
    const leave = await hub.add(inboxChannel('acme'), subscription);

    await hub.publish(inboxChannel('acme'), {
      kind: 'inbox_chat',
      change: 'status',
      chat: chat('acme', 'c1'),
      activity,
    });
    // A mis-addressed event (another tenant's chat on this channel) and junk are dropped.
    await hub.publish(inboxChannel('acme'), {
      kind: 'inbox_chat',
      change: 'status',
      chat: chat('globex', 'c2'),
      activity,
    });
    await hub.publish(inboxChannel('acme'), { kind: 'inbox_chat', change: 'status' });
    await hub.publish(inboxChannel('globex'), {
      kind: 'inbox_chat',
      change: 'status',
      chat: chat('globex', 'c3'),
      activity,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));

    expect(received.map(({ frame }) => frame)).toEqual([
      {
        type: 'inbox_chat',
        change: 'status',
        chat: {
          ...chat('acme', 'c1'),
          chat_id: 'c1',
          last_message: null,
          unread_count: 2,
          current_page: 'https://example.com/',
          waiting_since: '2025-12-31T23:59:00.000Z',
        },
      },
    ]);
    expect(JSON.parse(received[0]?.bytes ?? '{}')).toEqual(received[0]?.frame);

    bus.recover();
    expect(received.at(-1)?.frame).toEqual({ type: 'inbox_resync', tenant_id: 'acme' });
    leave();
    expect(hub.size).toBe(0);
    hub.close();
    await bus.close();
  });
});

/**
 * The subscription's fan-out behaviour (issue 16): one serialisation per event shared by every
 * socket, events applied at once when nothing waits, and arrival order kept behind a database read.
 */
import type { ServerFrame } from '@miptech/protocol';
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../bus/chat-events.ts';
import type { MessageRecord, Store } from '../storage/store.ts';
import { ChatSubscription } from './chat-subscription.ts';

const message = (seq: number, role: MessageRecord['role'] = 'user', content = `m${seq}`): MessageRecord => ({
  id: `id-${seq}`,
  chat_id: 'c1',
  seq,
  role,
  content,
  metadata: {},
  client_message_id: null,
  status: 'complete',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

/** A store that knows `stored` messages; `gate` holds each read until released. */
function fakeStore(stored: MessageRecord[], gate?: Promise<void>): Store {
  return {
    async listMessages(_tenant: string, _chat: string, page: { after_seq: number; limit: number }) {
      await gate;
      const items = stored.filter((item) => item.seq > page.after_seq).slice(0, page.limit);
      return { items, total: stored.length, has_more: false };
    },
  } as unknown as Store;
}

interface Sent {
  frame: ServerFrame;
  serialized: Buffer | undefined;
}

async function joined(store: Store, options: { stream?: boolean; echoVisitorMessages?: boolean } = {}) {
  const sent: Sent[] = [];
  const subscription = new ChatSubscription({
    store,
    tenantId: 't1',
    chatId: 'c1',
    stream: options.stream ?? true,
    connectionId: 'me',
    send: (frame, serialized) => sent.push({ frame, serialized }),
    ...(options.echoVisitorMessages === undefined
      ? {}
      : { echoVisitorMessages: options.echoVisitorMessages }),
  });
  await subscription.join(undefined, 0);
  sent.length = 0;
  return { subscription, sent };
}

describe('ChatSubscription fan-out', () => {
  it('serialises a live event once: every subscription gets the same bytes, equal to the frame', async () => {
    const store = fakeStore([]);
    const sockets = await Promise.all([joined(store), joined(store), joined(store)]);
    const events: ChatEvent[] = [
      { kind: 'message', message: message(1) },
      { kind: 'response', message: { ...message(2, 'assistant', ''), status: 'streaming' }, text: 'Hel' },
      { kind: 'response', message: { ...message(2, 'assistant', ''), status: 'streaming' }, text: 'Hello' },
      { kind: 'response_end', message: message(2, 'assistant', 'Hello!') },
      { kind: 'status', status: 'human_requested', seq: 2 },
      { kind: 'typing', role: 'operator', is_typing: true, connection_id: 'other' },
    ];
    for (const event of events) for (const { subscription } of sockets) subscription.handle(event);
    const [first, ...others] = sockets.map(({ sent }) => sent);
    expect(first?.map(({ frame }) => frame.type)).toEqual([
      'chat_message',
      'response_start',
      'response_delta',
      'response_end',
      'chat_status',
      'typing',
    ]);
    for (const [index, { frame, serialized }] of (first ?? []).entries()) {
      expect(serialized && JSON.parse(serialized.toString('utf8'))).toEqual(
        JSON.parse(JSON.stringify(frame)),
      );
      for (const other of others) expect(other[index]?.serialized).toBe(serialized);
    }
  });

  it('keeps per-socket differences: a session-only socket skips user messages, a non-streaming one gets only finals', async () => {
    const store = fakeStore([]);
    const session = await joined(store, { echoVisitorMessages: false });
    const plain = await joined(store, { stream: false });
    const events: ChatEvent[] = [
      { kind: 'message', message: message(1) },
      { kind: 'response', message: { ...message(2, 'assistant', ''), status: 'streaming' }, text: 'Hi' },
      { kind: 'response_end', message: message(2, 'assistant', 'Hi!') },
    ];
    for (const event of events) for (const socket of [session, plain]) socket.subscription.handle(event);
    expect(session.sent.map(({ frame }) => frame.type)).toEqual(['response_start', 'response_end']);
    expect(plain.sent.map(({ frame }) => frame.type)).toEqual(['chat_message', 'chat_message']);
    expect(plain.sent[1]?.serialized).not.toBe(session.sent[1]?.serialized);
  });

  it('delivers a live event at once when nothing is in progress', async () => {
    const { subscription, sent } = await joined(fakeStore([]));
    subscription.handle({ kind: 'message', message: message(1) });
    expect(sent.map(({ frame }) => frame.type)).toEqual(['chat_message']);
  });

  it('keeps arrival order behind a gap filled from the database, and sends each seq once', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stored = [message(1), message(2), message(3), message(4)];
    const sent: Sent[] = [];
    const subscription = new ChatSubscription({
      store: fakeStore(stored, gate),
      tenantId: 't1',
      chatId: 'c1',
      stream: true,
      connectionId: 'me',
      send: (frame, serialized) => sent.push({ frame, serialized }),
    });
    const join = subscription.join(0, 0);
    // Seq 2 arrives before 1 was read (a gap), then 3 and 4, while the read waits on the database.
    subscription.handle({ kind: 'message', message: message(2) });
    subscription.handle({ kind: 'message', message: message(3) });
    subscription.handle({ kind: 'message', message: message(4) });
    expect(sent.map(({ frame }) => frame.type)).toEqual(['joined']);
    release();
    await join;
    await new Promise((resolve) => setImmediate(resolve));
    const seqs = sent.flatMap(({ frame }) => (frame.type === 'chat_message' ? [frame.seq] : []));
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('lets a pending join go when the socket closes first', async () => {
    const never = new Promise<void>(() => {});
    const blocked = new ChatSubscription({
      store: fakeStore([message(1)], never),
      tenantId: 't1',
      chatId: 'c1',
      stream: true,
      connectionId: 'me',
      send: () => {},
    });
    const first = blocked.join(0, 1);
    blocked.close();
    await first;
    expect(true).toBe(true);
  });
});

/**
 * Fan-out: `receivers` sockets spread over `chats` chats (one chat, or many); senders post
 * messages, chat after chat, while at most a window of messages is not yet delivered to everyone.
 * Counted: deliveries per second and per server CPU-second (summed over the servers, when the
 * platform runs as several instances; its sockets are then spread over them).
 *
 * The platform's senders are several sockets per chat, because each connection may send 20 frames
 * a second (a per-connection limit that is not configuration); the baselines need one per chat.
 */
import { io as connectSocketIo, type Socket as SocketIoClient } from 'socket.io-client';
import WebSocket from 'ws';
import { createChat, openMany, openPlatformSocket } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';

/** Messages not yet delivered to everyone, per chat and at most in all. */
const WINDOW_PER_CHAT = 8;
const MAX_WINDOW = 64;
/** Platform senders: 32 in all, at least two per chat. */
const PLATFORM_SENDERS = 32;

export interface FanOutResult {
  receivers: number;
  chats: number;
  messages: number;
  deliveries: number;
  deliveriesPerSecond: number;
  deliveriesPerCpuSecond: number;
}

/** About the size of the platform's `chat_message` frame, so every contender moves similar bytes. */
const PAYLOAD = JSON.stringify({
  type: 'chat_message',
  chat_id: '6f1c1d4e-3f2a-4b7e-9d3c-1a2b3c4d5e6f',
  seq: 1,
  message: {
    id: '0b7c7c1e-5d1a-4d8e-8f0e-1234567890ab',
    chat_id: '6f1c1d4e-3f2a-4b7e-9d3c-1a2b3c4d5e6f',
    seq: 1,
    role: 'user',
    content: 'Fan-out message',
    metadata: {},
    client_message_id: null,
    status: 'complete',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  },
});

interface Wiring {
  /** Sends message number `index`. */
  send(index: number): void;
  /** Registers the callback every receiver delivery calls. */
  onDelivery(count: () => void): void;
  close(): void;
}

/** Sends message `index` to chat `index % chats`, from that chat's senders in turn. */
const pick = <T>(perChat: T[][], index: number): T | undefined => {
  const senders = perChat[index % perChat.length] ?? [];
  return senders[Math.floor(index / perChat.length) % senders.length];
};

async function wirePlatform(ports: number[], receivers: number, chats: number): Promise<Wiring> {
  const port = (index: number) => ports[index % ports.length] ?? 0;
  const chatIds = await Promise.all(Array.from({ length: chats }, (_, index) => createChat(port(index))));
  const perChat = receivers / chats;
  const sendersPerChat = Math.max(2, Math.ceil(PLATFORM_SENDERS / chats));
  const listeners = await openMany(receivers, (index) =>
    openPlatformSocket(port(index), chatIds[Math.floor(index / perChat)]),
  );
  const senders = await Promise.all(
    chatIds.map((chatId, chat) =>
      openMany(sendersPerChat, (index) => openPlatformSocket(port(chat + index), chatId)),
    ),
  );
  return {
    send(index) {
      const chatId = chatIds[index % chats];
      pick(senders, index)?.send(
        JSON.stringify({ type: 'message', chat_id: chatId, content: `Fan-out message ${index}` }),
      );
    },
    onDelivery(count) {
      for (const socket of listeners) socket.on('message', count);
    },
    close() {
      for (const socket of [...listeners, ...senders.flat()]) socket.terminate();
    },
  };
}

async function wireBareWs(port: number, receivers: number, chats: number): Promise<Wiring> {
  const open = (room: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/?room=${room}`, { perMessageDeflate: false });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const perChat = receivers / chats;
  const listeners = await openMany(receivers, (index) => open(Math.floor(index / perChat)));
  // The senders are clients of their rooms too: their copies are not counted.
  const senders = await Promise.all(Array.from({ length: chats }, (_, room) => open(room)));
  return {
    send: (index) => senders[index % chats]?.send(PAYLOAD),
    onDelivery(count) {
      for (const socket of listeners) socket.on('message', count);
    },
    close() {
      for (const socket of [...listeners, ...senders]) socket.terminate();
    },
  };
}

async function wireSocketIo(port: number, receivers: number, chats: number): Promise<Wiring> {
  const open = (room: number) =>
    new Promise<SocketIoClient>((resolve, reject) => {
      const socket = connectSocketIo(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        query: { room: String(room) },
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  const perChat = receivers / chats;
  const listeners = await openMany(receivers, (index) => open(Math.floor(index / perChat)));
  const senders = await Promise.all(Array.from({ length: chats }, (_, room) => open(room)));
  return {
    send: (index) => senders[index % chats]?.emit('msg', PAYLOAD),
    onDelivery(count) {
      for (const socket of listeners) socket.on('msg', count);
    },
    close() {
      for (const socket of [...listeners, ...senders]) socket.disconnect();
    },
  };
}

/** `servers`: one, or several platform instances sharing a bus and a database. */
export async function measureFanOut(
  servers: ServerProcess[],
  kind: 'platform' | 'bare-ws' | 'socket.io',
  receivers: number,
  seconds: number,
  chats = 1,
): Promise<FanOutResult> {
  const ports = servers.map((server) => server.port);
  const first = ports[0] ?? 0;
  const wiring =
    kind === 'platform'
      ? await wirePlatform(ports, receivers, chats)
      : kind === 'bare-ws'
        ? await wireBareWs(first, receivers, chats)
        : await wireSocketIo(first, receivers, chats);
  const cpuSeconds = () => servers.reduce((sum, server) => sum + server.cpuSeconds(), 0);
  const window = Math.min(MAX_WINDOW, WINDOW_PER_CHAT * chats);
  const perChat = receivers / chats;
  let sent = 0;
  let delivered = 0;
  let running = true;
  const pump = () => {
    while (running && sent < Math.floor(delivered / perChat) + window) wiring.send(sent++);
  };
  wiring.onDelivery(() => {
    delivered += 1;
    if (delivered % perChat === 0) pump();
  });
  pump();
  // Warm up for a second, then count.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const deliveredBefore = delivered;
  const cpuBefore = cpuSeconds();
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const deliveries = delivered - deliveredBefore;
  const cpu = cpuSeconds() - cpuBefore;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  running = false;
  wiring.close();
  return {
    receivers,
    chats,
    messages: Math.floor(deliveries / perChat),
    deliveries,
    deliveriesPerSecond: deliveries / elapsed,
    deliveriesPerCpuSecond: cpu > 0 ? deliveries / cpu : Number.NaN,
  };
}

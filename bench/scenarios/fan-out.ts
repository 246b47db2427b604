/**
 * Fan-out: `receivers` sockets in one chat; senders post messages while at most WINDOW messages
 * are not yet delivered to everyone. Counted: deliveries per second and per server CPU-second.
 *
 * The platform's senders are several sockets, because each connection may send 20 frames a
 * second (a per-connection limit that is not configuration); the baselines need one.
 */
import { io as connectSocketIo, type Socket as SocketIoClient } from 'socket.io-client';
import WebSocket from 'ws';
import { createChat, openMany, openPlatformSocket } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';

const WINDOW = 8;
const PLATFORM_SENDERS = 32;

export interface FanOutResult {
  receivers: number;
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

async function wirePlatform(server: ServerProcess, receivers: number): Promise<Wiring> {
  const chatId = await createChat(server.port);
  const listeners = await openMany(receivers, () => openPlatformSocket(server.port, chatId));
  const senders = await openMany(PLATFORM_SENDERS, () => openPlatformSocket(server.port, chatId));
  return {
    send(index) {
      senders[index % senders.length]?.send(
        JSON.stringify({ type: 'message', chat_id: chatId, content: `Fan-out message ${index}` }),
      );
    },
    onDelivery(count) {
      for (const socket of listeners) socket.on('message', count);
    },
    close() {
      for (const socket of [...listeners, ...senders]) socket.terminate();
    },
  };
}

async function wireBareWs(server: ServerProcess, receivers: number): Promise<Wiring> {
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: false });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const listeners = await openMany(receivers, open);
  // The sender is one of the server's clients too: its copies are not counted.
  const sender = await open();
  return {
    send: () => sender.send(PAYLOAD),
    onDelivery(count) {
      for (const socket of listeners) socket.on('message', count);
    },
    close() {
      for (const socket of [...listeners, sender]) socket.terminate();
    },
  };
}

async function wireSocketIo(server: ServerProcess, receivers: number): Promise<Wiring> {
  const open = () =>
    new Promise<SocketIoClient>((resolve, reject) => {
      const socket = connectSocketIo(`http://127.0.0.1:${server.port}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  const listeners = await openMany(receivers, open);
  const sender = await open();
  return {
    send: () => sender.emit('msg', PAYLOAD),
    onDelivery(count) {
      for (const socket of listeners) socket.on('msg', count);
    },
    close() {
      for (const socket of [...listeners, sender]) socket.disconnect();
    },
  };
}

export async function measureFanOut(
  server: ServerProcess,
  kind: 'platform' | 'bare-ws' | 'socket.io',
  receivers: number,
  seconds: number,
): Promise<FanOutResult> {
  const wiring =
    kind === 'platform'
      ? await wirePlatform(server, receivers)
      : kind === 'bare-ws'
        ? await wireBareWs(server, receivers)
        : await wireSocketIo(server, receivers);
  let sent = 0;
  let delivered = 0;
  let running = true;
  const pump = () => {
    while (running && sent < Math.floor(delivered / receivers) + WINDOW) wiring.send(sent++);
  };
  wiring.onDelivery(() => {
    delivered += 1;
    if (delivered % receivers === 0) pump();
  });
  pump();
  // Warm up for a second, then count.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const deliveredBefore = delivered;
  const cpuBefore = server.cpuSeconds();
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const deliveries = delivered - deliveredBefore;
  const cpu = server.cpuSeconds() - cpuBefore;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  running = false;
  wiring.close();
  return {
    receivers,
    messages: Math.floor(deliveries / receivers),
    deliveries,
    deliveriesPerSecond: deliveries / elapsed,
    deliveriesPerCpuSecond: cpu > 0 ? deliveries / cpu : Number.NaN,
  };
}

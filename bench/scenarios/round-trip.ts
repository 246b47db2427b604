/**
 * Round trip: one frame in flight at a time; the time from sending a `message` frame to its
 * `ack` (platform) or to the echo (bare `ws`, with or without a commit to `node:sqlite`).
 *
 * The platform's frames rotate over SOCKETS sockets, each in its own chat, because one connection
 * may send 20 frames a second (a per-connection guard, not configuration): one frame is still in
 * flight at a time, and no socket gets near its limit.
 */
import WebSocket from 'ws';
import { createChat, openMany, openPlatformSocket } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { percentile } from '../lib/stats.ts';

const SOCKETS = 64;

export interface RoundTripResult {
  samples: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export async function measureRoundTrip(
  server: ServerProcess,
  kind: 'platform' | 'bare',
  seconds: number,
): Promise<RoundTripResult> {
  let sockets: WebSocket[];
  let frame: (index: number) => string;
  let isAnswer: (text: string) => boolean;
  if (kind === 'platform') {
    const chats = await openMany(SOCKETS, async () => {
      const chatId = await createChat(server.port);
      return { chatId, socket: await openPlatformSocket(server.port, chatId) };
    });
    sockets = chats.map(({ socket }) => socket);
    frame = (index) =>
      JSON.stringify({
        type: 'message',
        chat_id: chats[index % SOCKETS]?.chatId,
        content: `Message ${index}`,
        client_message_id: `rt-${index}`,
      });
    isAnswer = (text) => text.startsWith('{"type":"ack"') || text.startsWith('{"type":"error"');
  } else {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: false });
    await new Promise((resolve) => socket.once('open', resolve));
    sockets = Array.from({ length: SOCKETS }, () => socket);
    frame = (index) => JSON.stringify({ type: 'message', content: `Message ${index}` });
    isAnswer = () => true;
  }
  let waiting: (() => void) | undefined;
  let errors = 0;
  for (const socket of new Set(sockets)) {
    socket.on('message', (data) => {
      const text = data.toString();
      if (!waiting || !isAnswer(text)) return;
      if (text.startsWith('{"type":"error"')) errors += 1;
      const done = waiting;
      waiting = undefined;
      done();
    });
  }
  const once = (index: number) =>
    new Promise<number>((resolve) => {
      const start = process.hrtime.bigint();
      waiting = () => resolve(Number(process.hrtime.bigint() - start) / 1e6);
      sockets[index % SOCKETS]?.send(frame(index));
    });
  for (let index = 0; index < 200; index += 1) await once(index);
  const samples: number[] = [];
  const end = Date.now() + seconds * 1000;
  for (let index = 200; Date.now() < end; index += 1) samples.push(await once(index));
  for (const socket of new Set(sockets)) socket.close();
  samples.sort((a, b) => a - b);
  return {
    samples: samples.length,
    errors,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    p999Ms: percentile(samples, 0.999),
  };
}

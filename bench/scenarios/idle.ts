/**
 * Idle connections: the server's heap and RSS (after a full GC) before and after `count` sockets
 * connect and sit idle; the difference per socket. Platform sockets are anonymous (development),
 * connected but not joined to a chat.
 */
import WebSocket from 'ws';
import { openMany, openPlatformSocket } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';

export interface IdleResult {
  sockets: number;
  heapPerSocketKiB: number;
  rssPerSocketKiB: number;
}

export async function measureIdle(
  server: ServerProcess,
  kind: 'platform' | 'bare-ws',
  count: number,
): Promise<IdleResult> {
  // One socket first, so lazily built state (routes, caches) is not counted per socket.
  const first = kind === 'platform' ? await openPlatformSocket(server.port) : await openBare(server.port);
  const before = await server.memory();
  const sockets =
    kind === 'platform'
      ? await openMany(count, () => openPlatformSocket(server.port))
      : await openMany(count, () => openBare(server.port));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await server.memory();
  for (const socket of [first, ...sockets]) socket.terminate();
  return {
    sockets: count,
    heapPerSocketKiB: (after.heapUsed - before.heapUsed) / count / 1024,
    rssPerSocketKiB: (after.rss - before.rss) / count / 1024,
  };
}

function openBare(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

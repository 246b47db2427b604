/**
 * Idle connections: the server's heap and RSS (after a full GC) before and after the sockets
 * connect and sit idle; the difference per socket. Platform sockets are anonymous (development),
 * connected but not joined to a chat.
 *
 * The sockets come from client processes on several loopback source addresses
 * (bench/lib/idle-clients.ts). The count asked for is capped at what the server's file-descriptor
 * limit leaves room for (one descriptor per socket), and opening stops early, at the count
 * reached, when the machine refuses more; the result says how many and why.
 */
import WebSocket from 'ws';
import { openIdleSockets, SPARE_FILES } from '../lib/idle-clients.ts';
import { openPlatformSocket, TENANT } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';

export interface IdleResult {
  /** Sockets open and idle when the memory was read. */
  sockets: number;
  heapPerSocketKiB: number;
  rssPerSocketKiB: number;
  /** The server process's file-descriptor limit. */
  serverFileLimit: number;
  /** Why `sockets` is below the count asked for ("" when it is not). */
  stoppedBy: string;
  sourceAddresses: number;
  /** The load generator's client processes, resident memory per socket (to size a 100 k run). */
  clientRssPerSocketKiB: number;
}

export async function measureIdle(
  server: ServerProcess,
  kind: 'platform' | 'bare-ws',
  count: number,
): Promise<IdleResult> {
  // One socket first, so lazily built state (routes, caches) is not counted per socket.
  const first = kind === 'platform' ? await openPlatformSocket(server.port) : await openBare(server.port);
  const files = server.files();
  const room = files.limit - files.open - SPARE_FILES;
  const target = Math.min(count, room);
  const before = await server.memory();
  const sockets =
    kind === 'platform'
      ? await openIdleSockets(
          `ws://127.0.0.1:${server.port}/api/v1/ws?tenant_id=${TENANT}`,
          target,
          '"type":"connection_established"',
        )
      : await openIdleSockets(`ws://127.0.0.1:${server.port}/`, target);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await server.memory();
  await sockets.close();
  first.terminate();
  const capped = target < count ? `server file limit ${files.limit}` : '';
  return {
    sockets: sockets.opened,
    heapPerSocketKiB: (after.heapUsed - before.heapUsed) / sockets.opened / 1024,
    rssPerSocketKiB: (after.rss - before.rss) / sockets.opened / 1024,
    serverFileLimit: files.limit,
    stoppedBy: sockets.stoppedBy ?? capped,
    sourceAddresses: sockets.sourceAddresses.length,
    clientRssPerSocketKiB: sockets.clientRssBytes / sockets.opened / 1024,
  };
}

function openBare(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

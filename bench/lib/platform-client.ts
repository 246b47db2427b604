/** What the load generator needs of the platform: a chat, and sockets joined to it. */
import WebSocket from 'ws';

export const TENANT = 'miptech-company';

export async function createChat(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tenant-id': TENANT },
    body: '{}',
  });
  const body = (await response.json()) as { chat_id: string };
  return body.chat_id;
}

/** Opens a socket; with `chatId`, resolves once it joined that chat. */
export function openPlatformSocket(
  port: number,
  chatId?: string,
  stream = false,
  localAddress?: string,
): Promise<WebSocket> {
  const query = `tenant_id=${TENANT}${chatId ? `&chat_id=${chatId}${stream ? '&stream=true' : ''}` : ''}`;
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws?${query}`, {
    perMessageDeflate: false,
    ...(localAddress ? { localAddress } : {}),
  });
  return new Promise((resolve, reject) => {
    const expected = chatId ? 'joined' : 'connection_established';
    const onMessage = (data: WebSocket.RawData) => {
      if (!data.toString().includes(`"type":"${expected}"`)) return;
      socket.off('message', onMessage);
      resolve(socket);
    };
    socket.on('message', onMessage);
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed with ${code} before ${expected}`)));
  });
}

/** Opens `count` sockets, `batch` at a time (a burst of thousands would only measure the backlog). */
export async function openMany<T>(
  count: number,
  open: (index: number) => Promise<T>,
  batch = 200,
): Promise<T[]> {
  const sockets: T[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    sockets.push(...(await Promise.all(Array.from({ length: size }, (_, offset) => open(start + offset)))));
  }
  return sockets;
}

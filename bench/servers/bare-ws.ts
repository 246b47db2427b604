/**
 * WebSocket baselines on bare `ws`:
 * - `echo`: answers each frame at once;
 * - `durable`: commits each frame to `node:sqlite` (WAL, synchronous=FULL) before answering, the
 *   fair baseline for a durable chat;
 * - `broadcast`: sends each frame it gets to every socket of the sender's room (`?room=`, one room
 *   when absent), serialised once;
 * - `idle`: accepts connections and does nothing.
 *
 * Arguments: --mode echo|durable|broadcast|idle --data DIR
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';
import { reportReady } from '../lib/report-server.ts';

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'echo' }, data: { type: 'string', default: '.bench-data' } },
});
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
let insert: ((text: string) => void) | undefined;
if (values.mode === 'durable') {
  mkdirSync(values.data, { recursive: true });
  const db = new DatabaseSync(join(values.data, `durable-${process.pid}.db`));
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, content TEXT NOT NULL, created_at TEXT NOT NULL)`);
  const statement = db.prepare('INSERT INTO messages (id, content, created_at) VALUES (?, ?, ?)');
  insert = (text) => void statement.run(randomUUID(), text, new Date().toISOString());
}

/** Sockets by room, for `broadcast`. */
const rooms = new Map<string, Set<WebSocket>>();

server.on('connection', (socket, request) => {
  if (values.mode === 'idle') return;
  const roomName = new URL(request.url ?? '/', 'http://localhost').searchParams.get('room') ?? '';
  const room = rooms.get(roomName) ?? new Set<WebSocket>();
  rooms.set(roomName, room);
  room.add(socket);
  socket.on('close', () => room.delete(socket));
  socket.on('message', (data, isBinary) => {
    if (values.mode === 'broadcast') {
      for (const client of room) client.send(data, { binary: isBinary });
      return;
    }
    insert?.(data.toString());
    socket.send(data, { binary: isBinary });
  });
});
server.on('listening', () => {
  const address = server.address();
  reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
    for (const client of server.clients) client.terminate();
    server.close();
  });
});

/**
 * One process of idle clients, forked by {@link openIdleSockets}: opens up to `--count` sockets to
 * `--url` from source address `--from`, `--batch` at a time, and holds them until told to close.
 * Several of these hold 100 000 sockets between them: one process alone would run out of file
 * descriptors (one per socket) and, at 100 k, of ephemeral ports on one source address (~28 k).
 *
 * It stops at the first batch in which any socket fails (EMFILE, EADDRNOTAVAIL, ECONNRESET when
 * the server is out of descriptors, out of memory …) and reports how many it holds and why it
 * stopped. Each open socket keeps nothing of its own beyond what `ws` needs: listeners are shared
 * functions, and the opening ones are removed once the socket is ready.
 *
 * Arguments: --url URL --from ADDRESS --count N [--batch N] [--expect TEXT]
 * With `--expect`, a socket counts as open once a frame containing TEXT arrives (the platform's
 * `connection_established`); without it, on the WebSocket `open` event (bare `ws`).
 * IPC out: { type: 'progress', opened } per batch, then { type: 'done', opened, rss, stoppedBy? }.
 * IPC in: { type: 'close' } terminates every socket and exits.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    from: { type: 'string' },
    count: { type: 'string' },
    batch: { type: 'string', default: '200' },
    expect: { type: 'string' },
  },
});
const url = values.url ?? '';
const count = Number(values.count);
const batch = Number(values.batch);
const expected = values.expect;

const sockets: WebSocket[] = [];
/** Errors after a socket is open (the server closing it) must not crash the process. */
const ignore = () => {};

function open(): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false, localAddress: values.from });
  return new Promise((resolve, reject) => {
    const ready = () => {
      socket.off('open', onOpen);
      socket.off('message', onMessage);
      socket.off('error', fail);
      socket.off('close', fail);
      socket.on('error', ignore);
      resolve(socket);
    };
    const fail = (error: Error | number) => {
      socket.off('open', onOpen);
      socket.off('message', onMessage);
      socket.on('error', ignore);
      socket.terminate();
      reject(typeof error === 'number' ? new Error(`closed with ${error} before ready`) : error);
    };
    const onOpen = () => {
      if (!expected) ready();
    };
    const onMessage = (data: WebSocket.RawData) => {
      if (data.toString().includes(expected ?? '')) ready();
    };
    socket.on('open', onOpen);
    socket.on('message', onMessage);
    socket.once('error', fail);
    socket.once('close', fail);
  });
}

function describe(reason: unknown): string {
  const error = reason as { code?: string; message?: string };
  return error.code ?? error.message ?? String(reason);
}

let stoppedBy: string | undefined;
while (sockets.length < count && !stoppedBy) {
  const size = Math.min(batch, count - sockets.length);
  const settled = await Promise.allSettled(Array.from({ length: size }, open));
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') sockets.push(outcome.value);
    else stoppedBy ??= describe(outcome.reason);
  }
  process.send?.({ type: 'progress', opened: sockets.length });
}
process.send?.({
  type: 'done',
  opened: sockets.length,
  rss: process.memoryUsage().rss,
  ...(stoppedBy ? { stoppedBy } : {}),
});

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'close') return;
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));

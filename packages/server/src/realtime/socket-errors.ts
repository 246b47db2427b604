/**
 * What to do with an error on an established WebSocket (`@fastify/websocket`'s `errorHandler`).
 *
 * Most of them are the client breaking the protocol: a frame over 64 KiB, invalid UTF-8, a bad
 * opcode. `ws` has already answered those with the right close code (1009, 1007, 1002) before
 * the error reaches us, so they are the client's problem, not the server's: one calm line, no
 * stack, and the closing handshake is left to finish. The plugin's default would log each at
 * error level with a stack and cut the TCP connection, so a client could fill the error log at
 * will and might never read its close code.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';

/** How long a client breaking the protocol gets to complete the closing handshake. */
const CLOSE_GRACE_MS = 2000;

/** The codes `ws` gives protocol violations by the peer (`WS_ERR_UNSUPPORTED_MESSAGE_LENGTH`, …). */
const isClientProtocolError = (error: Error & { code?: unknown }) =>
  typeof error.code === 'string' && error.code.startsWith('WS_ERR_');

/**
 * `source` is the Fastify request during the handshake; on an established socket, only a logger
 * (the gateway lets the request go then, so an idle socket does not keep it alive).
 */
export function socketErrorHandler(
  error: Error,
  socket: WebSocket,
  source: { log: FastifyBaseLogger },
): void {
  if (isClientProtocolError(error)) {
    source.log.info(
      { ws_error: (error as Error & { code: string }).code, detail: error.message },
      'WebSocket closed: the client broke the protocol',
    );
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    return;
  }
  source.log.error({ err: error }, 'WebSocket failed');
  socket.terminate();
}

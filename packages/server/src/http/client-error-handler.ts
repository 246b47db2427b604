/**
 * Answers what Node's HTTP parser rejects before Fastify sees a request (a malformed request line,
 * a bad header, a second request pipelined behind the first that does not parse) with the same
 * `{ detail, code, request_id }` body as every other error, instead of Fastify's bare
 * `{"error":"Bad Request",…}`. There is no request object yet, so no tenant and no CORS: the
 * connection is answered and closed.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@miptech/protocol';
import type { FastifyBaseLogger } from 'fastify';

/** Node's client-error codes that have an answer of their own; anything else is `bad_request`. */
const CODES: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The raw HTTP/1.1 response for a client error, with a fresh request id. */
export function clientErrorResponse(
  error: { code?: string | undefined },
  requestId: string = randomUUID(),
): string {
  const code = CODES[error.code ?? ''] ?? 'bad_request';
  const { status, detail } = ERROR_CODES[code];
  const body: ErrorBody = { detail, code, request_id: requestId };
  const text = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    `X-Request-ID: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}

/**
 * Fastify's `clientErrorHandler` option; Fastify calls it with the instance as `this`. A reset
 * connection has nobody to answer and is no fault of ours; anything else is answered, logged at
 * info level (a client's mistake, not ours) and closed once the answer is flushed.
 */
export function clientErrorHandler(
  this: { log: FastifyBaseLogger },
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const response = clientErrorResponse(error);
  this.log.info({ err: { code: error.code, message: error.message } }, 'malformed HTTP request refused');
  if (socket.writable) socket.end(response, () => socket.destroy());
  else socket.destroy();
}

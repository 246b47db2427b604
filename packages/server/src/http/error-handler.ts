/**
 * Turns anything thrown while serving a request into `{ detail, code, request_id }` with the
 * right status. Client mistakes are 4xx with a code of the registry; only our own faults are
 * 5xx, and their details never reach the client.
 */
import { ERROR_CODES, type ErrorBody, type ErrorCode, type FieldError } from '@miptech/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from '../errors/api-error.ts';

/** Fastify's own request errors, by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

/** Other client errors raised by Fastify or its plugins, by status; anything else is a plain 400. */
const CODES_BY_STATUS: Record<number, ErrorCode> = {
  403: 'forbidden',
  404: 'route_not_found',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
};

/** Errors that mean the database is unreachable for now: a 503 the client may retry, not a 500. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 'ERR_SQLITE_ERROR') return /database is locked|busy/i.test(String(message));
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|database is not open/i.test(
      String(message),
    )
  );
}

interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  const make = (code: ErrorCode, detail?: string, errors?: FieldError[]): ErrorResponse => ({
    status: ERROR_CODES[code].status,
    body: {
      detail: detail ?? ERROR_CODES[code].detail,
      code,
      request_id: requestId,
      ...(errors ? { errors } : {}),
    },
  });

  if (error instanceof ApiError) return make(error.code, error.message, error.errors);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const errors = error.validation.map((issue) => ({
      field: `${where}${issue.instancePath.replaceAll('/', '.')}`.replace(/\.$/, ''),
      message: issue.message ?? 'is invalid',
    }));
    const first = errors[0];
    return make('validation_failed', first ? `Invalid ${first.field}: ${first.message}` : undefined, errors);
  }
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return make(mapped);
  if (error instanceof SyntaxError) return make('invalid_json');
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return make(CODES_BY_STATUS[status] ?? 'bad_request');
  }
  if (isUnavailable(error)) return make('service_unavailable');
  return make('internal_error');
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error, request.id);
  // Errors raised before routing skip the onRequest hook that sets this header.
  reply.header('x-request-id', request.id);
  if (status >= 500) request.log.error({ err: error, code: body.code }, 'request failed');
  if (status === 503) reply.header('retry-after', '2');
  // RFC 6750 §3: a 401 names the scheme, and says when the token itself was the problem.
  if (status === 401) {
    reply.header(
      'www-authenticate',
      body.code === 'invalid_token' ? 'Bearer error="invalid_token"' : 'Bearer',
    );
  }
  void reply.status(status).send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  const body: ErrorBody = {
    detail: `No such endpoint: ${request.method} ${path.slice(0, 200)}`,
    code: 'route_not_found',
    request_id: request.id,
  };
  // A WebSocket upgrade to a path without a gateway: the socket belongs to the upgrade, which no
  // one will take, not to Node's HTTP server, so it stayed open after the 404 and `close()` waited
  // for it. End it once the answer is written.
  if (request.headers.upgrade) reply.raw.once('finish', () => request.raw.socket?.destroy());
  void reply.status(404).send(body);
}

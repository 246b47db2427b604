/**
 * Request ids and the one log line per request. A caller's `X-Request-ID` is kept when it is
 * sane, so a request can be followed from the browser to our logs; otherwise we make one.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

export function addRequestContext(app: FastifyInstance): void {
  // Callback hooks, not async ones: each async hook costs a promise per request (issue 16).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The line's fields are not even gathered when the level is off.
    if (infoEnabled(request.log)) logRequest(request, reply);
    done();
  });
}

/** Pino's own check; a logger without one (a test's stand-in) is taken to log everything. */
function infoEnabled(log: FastifyBaseLogger): boolean {
  return (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') ?? true;
}

function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    {
      tenant_id: request.tenant?.id ?? null,
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url.split('?')[0],
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    },
    'request',
  );
}

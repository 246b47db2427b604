/**
 * Request rate limits on `@fastify/rate-limit`'s counters: in-process by default, in Redis when
 * `REDIS_URL` is set, so every instance counts against the same numbers.
 *
 * The plugin's own route hook lets only the first limiter of a request run, and a request here
 * passes several (per tenant, per IP, per visitor), so each limiter is a `createRateLimit()`
 * check wrapped in a hook of ours. In process, each limiter keeps the 5000 most recently seen keys
 * (the plugin's LRU); with many more clients than that per minute, use Redis. Counters fail open: when Redis is unreachable, requests are
 * served rather than refused, and the log says so.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimits } from '../config.ts';
import { ApiError } from './api-error.ts';

const MINUTE = 60_000;
const LOGIN_FAILURE_WINDOW = 15 * MINUTE;

type Check = ReturnType<FastifyInstance['createRateLimit']>;
type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The limiters routes attach as `onRequest` hooks, and the login-failure counters. */
export interface Limiters {
  /** Every request naming a tenant, per tenant. */
  perTenant: Hook;
  /** Starting chats: per IP and per visitor. */
  chatCreation: Hook[];
  /** Posting messages: per IP and per visitor. */
  messages: Hook[];
  /** Register, login, refresh: per IP. */
  auth: Hook;
  /** Refuses a login (429) when the account (`tenant:email`) or the IP failed too often lately. */
  assertLoginAllowed(request: FastifyRequest, reply: FastifyReply, account: string): Promise<void>;
  /** Counts a failed login against the account and the IP. */
  recordLoginFailure(request: FastifyRequest, account: string): Promise<void>;
  /** The WebSocket gateway's counters; see {@link SocketCounters}. */
  sockets: SocketCounters;
}

/**
 * What the WebSocket gateway counts. A socket has no request per frame, so it names the client
 * itself; `message` spends the very counters `POST …/messages` spends, so REST and sockets share
 * one budget per IP and per visitor. Each resolves with the whole seconds to wait when over the
 * limit, undefined otherwise.
 */
export interface SocketCounters {
  /** One handshake from `ip` (`socketHandshakesPerIpPerMinute`). */
  handshake(ip: string): Promise<number | undefined>;
  /** One `message` frame from `ip`, by the visitor of a visitor token (none for anonymous sockets). */
  message(
    ip: string,
    visitor: { tenant_id: string; visitor_id: string } | undefined,
  ): Promise<number | undefined>;
}

const ipOf = (request: FastifyRequest) => normalizeIP(request.ip, 64);
const tenantIdOf = (request: FastifyRequest) => request.tenant?.id ?? '';
const visitorOf = (request: FastifyRequest) =>
  request.principal.kind === 'visitor'
    ? `${request.principal.tenant_id}:${request.principal.visitor_id}`
    : '';

function refuse(reply: FastifyReply, seconds: number, what: string): never {
  reply.header('retry-after', String(Math.max(1, seconds)));
  throw new ApiError('rate_limited', `Too many ${what}; retry in ${Math.max(1, seconds)} s`);
}

export async function registerLimiters(
  app: FastifyInstance,
  limits: RateLimits,
  redis: Redis | undefined,
): Promise<Limiters> {
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    nameSpace: 'miptech:rate:',
    ...(redis ? { redis } : {}),
  });

  /** A counter of `max` per `window` keyed by `key`; an empty key is not counted. */
  const counter = (
    name: string,
    max: number,
    window: number,
    key: (request: FastifyRequest) => string,
  ): Check =>
    app.createRateLimit({
      max,
      timeWindow: window,
      keyGenerator: (request) => {
        const value = key(request);
        return value ? `${name}:${value}` : '';
      },
      allowList: (_request, value) => value === '',
    });

  const hook =
    (check: Check, what: string): Hook =>
    async (request, reply) => {
      const result = await check(request);
      if (!result.isAllowed && result.isExceeded) refuse(reply, result.ttlInSeconds, what);
    };

  // `createRateLimit()` keys by request only; the account a login names is handed over on the side.
  const accountOfLogin = new WeakMap<FastifyRequest, string>();
  const accountFailures = counter(
    'login-account',
    limits.loginFailuresPerAccount,
    LOGIN_FAILURE_WINDOW,
    (request) => accountOfLogin.get(request) ?? '',
  );
  const ipFailures = counter('login-ip', limits.loginFailuresPerIp, LOGIN_FAILURE_WINDOW, ipOf);
  const messagesPerIp = counter('message-ip', limits.messagesPerIpPerMinute, MINUTE, ipOf);
  const messagesPerVisitor = counter(
    'message-visitor',
    limits.messagesPerVisitorPerMinute,
    MINUTE,
    visitorOf,
  );
  const handshakesPerIp = counter('ws-handshake-ip', limits.socketHandshakesPerIpPerMinute, MINUTE, ipOf);

  return {
    perTenant: hook(
      counter('tenant', limits.tenantPerMinute, MINUTE, tenantIdOf),
      'requests for this tenant',
    ),
    chatCreation: [
      hook(counter('chat-ip', limits.chatsPerIpPerMinute, MINUTE, ipOf), 'chats started from this address'),
      hook(counter('chat-visitor', limits.chatsPerVisitorPerMinute, MINUTE, visitorOf), 'chats started'),
    ],
    messages: [hook(messagesPerIp, 'messages from this address'), hook(messagesPerVisitor, 'messages')],
    auth: hook(
      counter('auth-ip', limits.authPerIpPerMinute, MINUTE, ipOf),
      'sign-in requests from this address',
    ),

    async assertLoginAllowed(request, reply, account) {
      accountOfLogin.set(request, account);
      for (const check of [accountFailures, ipFailures]) {
        // Peek without counting: only failures count, and this attempt has not failed yet.
        const status = await check(request, { increment: false });
        if (!status.isAllowed && status.remaining <= 0 && status.ttl > 0) {
          refuse(reply, status.ttlInSeconds, 'failed sign-in attempts');
        }
      }
    },

    async recordLoginFailure(request, account) {
      accountOfLogin.set(request, account);
      await Promise.all([accountFailures(request), ipFailures(request)]);
    },

    sockets: {
      handshake: (ip) => overBy(handshakesPerIp, socketClient(ip, undefined)),
      async message(ip, visitor) {
        const client = socketClient(ip, visitor);
        // In the order of the REST hooks: a message refused per IP is not counted for the visitor.
        return (await overBy(messagesPerIp, client)) ?? (await overBy(messagesPerVisitor, client));
      },
    },
  };
}

/**
 * A stand-in request for a socket's client, with what the key generators and the plugin read
 * (`ip`, `principal`, `routeOptions`), so socket counts land on the same keys as REST's.
 */
function socketClient(ip: string, visitor: { tenant_id: string; visitor_id: string } | undefined) {
  const principal = visitor ? { kind: 'visitor', ...visitor } : { kind: 'anonymous' };
  return { ip, principal, routeOptions: { config: {} } } as unknown as FastifyRequest;
}

/** Counts one event; the whole seconds to wait when it was over the limit. */
async function overBy(check: Check, request: FastifyRequest): Promise<number | undefined> {
  const result = await check(request);
  return !result.isAllowed && result.isExceeded ? Math.max(1, result.ttlInSeconds) : undefined;
}

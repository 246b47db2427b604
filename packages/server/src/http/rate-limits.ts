/**
 * Request rate limits on `@fastify/rate-limit`'s counters: in-process by default, in Redis when
 * `REDIS_URL` is set, so every instance counts against the same numbers.
 *
 * The plugin's own route hook lets only the first limiter of a request run, and a request here
 * passes several (per tenant, per IP, per visitor), so each limiter is a `createRateLimit()`
 * check wrapped in a hook of ours. In process, each limiter keeps the 5000 most recently seen keys
 * (the plugin's LRU); with many more clients than that per minute, use Redis. Counters fail open: when Redis is unreachable, requests are
 * served rather than refused, and the log says so.
 *
 * Fairness: the narrow limits (per IP, per visitor, per route) are `onRequest` hooks; the tenant's
 * budget is a `preParsing` hook, which Fastify runs after every `onRequest` hook, so a request
 * refused by a narrow limit never spends the tenant's budget. And one address may spend only a
 * share of that budget, so one client cannot exhaust it for the tenant's other visitors and its
 * operators (issue 11: 3200 refresh calls from one address in 1.5 s used to lock everyone out).
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimits } from '../config.ts';
import { ApiError } from '../errors/api-error.ts';

const MINUTE = 60_000;
const LOGIN_FAILURE_WINDOW = 15 * MINUTE;

type Check = ReturnType<FastifyInstance['createRateLimit']>;
type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The limiters routes attach as `onRequest` hooks, and the login-failure counters. */
export interface Limiters {
  /**
   * Every request naming a tenant: first the address's share of the tenant's budget, then the
   * budget itself. Register it as a `preParsing` hook, after the narrow `onRequest` limiters.
   */
  perTenant: Hook;
  /** Starting chats: per IP and per visitor. */
  chatCreation: Hook[];
  /** Posting messages: per IP and per visitor. */
  messages: Hook[];
  /** Register, login, refresh: per IP. */
  auth: Hook;
  /**
   * Refuses a login (429) when the account (`tenant:email`) or the IP failed too often lately.
   * With `device` (the session of a valid refresh cookie for this very account: a browser that
   * signed in before), only that device's own failures count: strangers' failures lock strangers
   * out, not the operator's own browser (OWASP's "device cookies").
   */
  assertLoginAllowed(
    request: FastifyRequest,
    reply: FastifyReply,
    account: string,
    device?: string,
  ): Promise<void>;
  /** Counts a failed login against the account and the IP, and the device when there is one. */
  recordLoginFailure(request: FastifyRequest, account: string, device?: string): Promise<void>;
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

const normalizedIps = new WeakMap<object, string>();

/**
 * The client's address (IPv6 by its /64). A client that resets its connection right after sending
 * leaves a request whose socket no longer knows its peer (`request.ip` undefined): such requests
 * share one counter rather than escape counting or fail with a 500.
 */
export const ipOf = (request: Pick<FastifyRequest, 'ip'>): string => {
  // Up to three counters key a request by its address: normalise it once (issue 16).
  const known = normalizedIps.get(request);
  if (known !== undefined) return known;
  const ip = request.ip as string | undefined;
  const normalized = ip ? normalizeIP(ip, 64) : 'unknown-address';
  normalizedIps.set(request, normalized);
  return normalized;
};

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
  const deviceOfLogin = new WeakMap<FastifyRequest, string>();
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
  const deviceFailures = counter(
    'login-device',
    limits.loginFailuresPerAccount,
    LOGIN_FAILURE_WINDOW,
    (request) => deviceOfLogin.get(request) ?? '',
  );
  const tenantShare = counter('tenant-ip', limits.tenantPerIpPerMinute, MINUTE, (request) =>
    request.tenant ? `${request.tenant.id}:${ipOf(request)}` : '',
  );
  const tenantBudget = hook(
    counter('tenant', limits.tenantPerMinute, MINUTE, tenantIdOf),
    'requests for this tenant',
  );
  const shareOfTenant = hook(tenantShare, 'requests from this address for this tenant');

  return {
    async perTenant(request, reply) {
      // The share first: an address over its share is refused without spending the tenant's budget.
      await shareOfTenant(request, reply);
      await tenantBudget(request, reply);
    },
    chatCreation: [
      hook(counter('chat-ip', limits.chatsPerIpPerMinute, MINUTE, ipOf), 'chats started from this address'),
      hook(counter('chat-visitor', limits.chatsPerVisitorPerMinute, MINUTE, visitorOf), 'chats started'),
    ],
    messages: [hook(messagesPerIp, 'messages from this address'), hook(messagesPerVisitor, 'messages')],
    auth: hook(
      counter('auth-ip', limits.authPerIpPerMinute, MINUTE, ipOf),
      'sign-in requests from this address',
    ),

    async assertLoginAllowed(request, reply, account, device) {
      accountOfLogin.set(request, account);
      if (device) deviceOfLogin.set(request, device);
      for (const check of device ? [deviceFailures] : [accountFailures, ipFailures]) {
        // Peek without counting: only failures count, and this attempt has not failed yet.
        const status = await check(request, { increment: false });
        if (!status.isAllowed && status.remaining <= 0 && status.ttl > 0) {
          refuse(reply, status.ttlInSeconds, 'failed sign-in attempts');
        }
      }
    },

    async recordLoginFailure(request, account, device) {
      accountOfLogin.set(request, account);
      if (device) deviceOfLogin.set(request, device);
      await Promise.all([accountFailures(request), ipFailures(request), deviceFailures(request)]);
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

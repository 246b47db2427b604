/**
 * The WebSocket gateway at `/api/v1/ws`, `/api/v1/ws/chat` and `/ws` (the seeds try all three).
 * See `docs/protocol.md` for the frames and close codes.
 *
 * A handshake that cannot be served is accepted and then closed with a code and a reason (4400,
 * 4401, 4403, 4404) rather than refused with an HTTP status: browsers hide the status of a failed
 * upgrade from scripts, but show the close code and reason, so the widget can tell a person why.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import websocket from '@fastify/websocket';
import { API_PREFIX, CLOSE_CODES } from '@miptech/protocol';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { TokenService } from '../auth/tokens.ts';
import type { ChatService } from '../chat/chat-service.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors/api-error.ts';
import type { SocketCounters } from '../http/rate-limits.ts';
import type { Store } from '../storage/store.ts';
import { isOriginAllowed } from '../tenancy/cors-policy.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { tenantIdOf } from '../tenancy/tenant-id.ts';
import type { ChannelHub } from './channel-hub.ts';
import { Connection, type SocketPrincipal } from './connection.ts';
import { PresenceBoard, type PresenceTimings } from './presence-board.ts';
import { socketAuthenticator } from './socket-auth.ts';
import { socketErrorHandler } from './socket-errors.ts';
import { type LimitRefusal, SocketLimits } from './socket-limits.ts';
import type { SocketRevocation } from './socket-revocation.ts';

/** Largest frame accepted; a bigger one closes the connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Default interval of server pings; a connection that misses one is closed with 4408. */
export const HEARTBEAT_INTERVAL_MS = 25_000;

export interface GatewayOptions {
  config: Config;
  store: Store;
  tenants: TenantDirectory;
  tokens: TokenService;
  chats: ChatService;
  hub: ChannelHub;
  heartbeatIntervalMs?: number;
  /** Ends operator sockets whose access changed (logout, password change, removal, role change). */
  revocation: SocketRevocation;
  /** The shared rate-limit counters: handshakes per IP, and `message` frames with REST's messages. */
  socketCounters: SocketCounters;
  /** Presence refresh and time to live, and the typing relay interval (tests shorten them). */
  presence?: Partial<PresenceTimings> & { typingIntervalMs?: number };
}

/** What a connection needs of its upgrade request, copied so that the request can go. */
interface Handshake {
  ip: string;
  reqId: string;
  query: Record<string, string | undefined>;
  origin: string | undefined;
  /** The tenant named; undefined when none, null when the naming is invalid. */
  tenantId: string | undefined | null;
}

function handshakeOf(request: FastifyRequest): Handshake {
  let tenantId: string | undefined | null;
  try {
    tenantId = tenantIdOf(request);
  } catch {
    tenantId = null;
  }
  return {
    ip: request.ip,
    reqId: request.id,
    query: { ...(request.query as Record<string, string | undefined>) },
    origin: request.headers.origin,
    tenantId,
  };
}

export async function gatewayRoutes(app: FastifyInstance, options: GatewayOptions): Promise<void> {
  const { config, store, tenants, tokens, chats, hub } = options;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
  const sockets = new Map<WebSocket, { alive: boolean }>();
  const limits = new SocketLimits(config.rateLimits, options.socketCounters);
  const authenticate = socketAuthenticator(tokens, store);
  const { typingIntervalMs, ...presenceTimings } = options.presence ?? {};
  const presence = new PresenceBoard({ hub, timings: presenceTimings });
  app.addHook('onClose', async () => presence.close());
  let heartbeat: NodeJS.Timeout | undefined;

  await app.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
    errorHandler: socketErrorHandler,
    // Before the server stops listening: tell every client to reconnect elsewhere, losing nothing.
    preClose: async () => {
      clearInterval(heartbeat);
      for (const socket of sockets.keys()) {
        socket.close(CLOSE_CODES.going_away, 'Server shutting down; reconnect and resume');
      }
    },
  });

  /** A handshake over a limit: why (with `retry_after`) in an `error` frame, then the close. */
  function refuseOverLimit(socket: WebSocket, refusal: LimitRefusal): void {
    const { closeCode, ...frame } = refusal;
    socket.send(JSON.stringify({ type: 'error', ...frame }));
    socket.close(closeCode, refusal.detail.slice(0, 120));
  }

  async function accept(
    socket: WebSocket,
    handshake: Handshake,
    early: { frames: string[]; stop: () => void },
    logged: { readonly log: FastifyBaseLogger },
  ): Promise<void> {
    const { ip, query, origin, tenantId } = handshake;
    const refuse = (code: number, reason: string) => socket.close(code, reason.slice(0, 120));
    if (tenantId === null) return refuse(CLOSE_CODES.tenant_invalid, 'tenant_id is not a valid tenant id');
    if (!tenantId) return refuse(CLOSE_CODES.tenant_invalid, 'tenant_id is required (query parameter)');
    const tenant = await tenants.get(tenantId);
    if (!tenant) return refuse(CLOSE_CODES.tenant_not_found, `Unknown tenant: ${tenantId}`);
    if (!tenant.enabled) return refuse(CLOSE_CODES.forbidden, 'The tenant is disabled');
    if (origin && !isOriginAllowed(config, tenant, origin)) {
      return refuse(CLOSE_CODES.forbidden, `Origin not allowed for this tenant: ${origin}`);
    }
    let principal: SocketPrincipal = { kind: 'anonymous' };
    if (query.token) {
      const verified = await authenticate(query.token, tenant.id);
      if (!verified) return refuse(CLOSE_CODES.unauthorized, 'The token is invalid or expired');
      principal = verified;
    }
    const sessionId = typeof query.session_id === 'string' ? query.session_id.slice(0, 128) : null;
    const connection = new Connection({
      socket,
      tenant,
      sessionId,
      principal,
      allowAnonymous: config.environment === 'development',
      authenticate: (token) => authenticate(token, tenant.id),
      store,
      chats,
      hub,
      presence,
      ...(typingIntervalMs === undefined ? {} : { typingIntervalMs }),
      get log() {
        return logged.log;
      },
      heartbeatIntervalMs,
      early: early.frames,
      countMessage: (current) =>
        options.socketCounters.message(
          ip,
          current.kind === 'visitor' ? { tenant_id: tenant.id, visitor_id: current.visitor_id } : undefined,
        ),
    });
    socket.on('close', options.revocation.track(connection));
    early.stop();
    const stream = query.stream === 'true' || query.stream === '1';
    const sinceSeq = /^\d{1,9}$/.test(query.since_seq ?? '') ? Number(query.since_seq) : undefined;
    const joinOrTell = (chatId: string, since?: number, echoVisitorMessages = true) =>
      connection.join(chatId, since, stream, { echoVisitorMessages }).catch((error) => {
        const code = error instanceof ApiError ? error.code : 'internal_error';
        connection.send({ type: 'error', code, detail: (error as Error).message, chat_id: chatId });
      });
    if (query.chat_id) {
      await joinOrTell(query.chat_id.slice(0, 128), sinceSeq);
    } else if (sessionId) {
      // The seed's WebSocketManager names only its session, right after creating its chat: join
      // that newest chat only (each tab of the seed app has its own chat in the same session),
      // without echoing the visitor's messages, which the seed's page shows already (decision 010).
      const { items } = await store.listChats(tenant.id, { session_id: sessionId, limit: 20 });
      const newest = items.find(
        (chat) => principal.kind !== 'visitor' || chat.visitor_id === principal.visitor_id,
      );
      if (newest) await joinOrTell(newest.id, undefined, false);
    }
  }

  // An idle socket must not keep its upgrade request alive (issue 16: Fastify's request and reply,
  // the IncomingMessage and its headers, a child logger: about 7 KiB a socket). So the handler
  // copies what it needs and hands the socket to `serve`, whose closures cannot see the request
  // (closures of one function share their captured variables, so any one of them holding the
  // request would keep it for all); and the plugin's own error listener, which holds the request
  // and the reply, is swapped for one that does not.
  // The plugin assigns its stand-in response to the TCP socket for routing, and nothing detaches it:
  // through the socket, it would keep the reply (and, by its `finish` listener, the request) alive.
  const upgradeResponses = new WeakMap<IncomingMessage, ServerResponse>();
  const rememberResponse = async (request: FastifyRequest, reply: FastifyReply) => {
    upgradeResponses.set(request.raw, reply.raw);
  };

  const wsHandler = (socket: WebSocket, request: FastifyRequest) => {
    upgradeResponses.get(request.raw)?.detachSocket(request.raw.socket);
    for (const listener of socket.listeners('error')) socket.off('error', listener as (error: Error) => void);
    serve(socket, handshakeOf(request));
  };

  const serve = (socket: WebSocket, handshake: Handshake) => {
    const { reqId } = handshake;
    const logged = {
      // Made when something is logged, not kept per socket.
      get log(): FastifyBaseLogger {
        return app.log.child({ reqId });
      },
    };
    socket.on('error', (error) => socketErrorHandler(error, socket, logged));
    // Frames may arrive while the handshake still looks things up: keep them for the connection.
    const early: string[] = [];
    const keep = (data: Buffer, isBinary: boolean) => void early.push(isBinary ? '' : data.toString());
    socket.on('message', keep);
    const state = { alive: true };
    sockets.set(socket, state);
    socket.on('pong', () => {
      state.alive = true;
    });
    socket.on('close', () => sockets.delete(socket));
    const stop = () => socket.off('message', keep);
    // An invalid tenant is refused by accept(); counted per IP only.
    const admission = limits.admit(handshake.ip, handshake.tenantId ?? undefined);
    socket.on('close', admission.release);
    admission.verdict
      .then((refusal) =>
        refusal
          ? refuseOverLimit(socket, refusal)
          : accept(socket, handshake, { frames: early, stop }, logged),
      )
      .catch((error) => {
        logged.log.error({ err: error }, 'WebSocket handshake failed');
        socket.close(1011, 'Internal error');
      })
      .finally(stop);
  };

  const upgradeRequired = async () => {
    throw new ApiError('upgrade_required');
  };
  for (const url of [`${API_PREFIX}/ws`, `${API_PREFIX}/ws/chat`, '/ws']) {
    app.route({
      method: 'GET',
      url,
      config: { access: { kind: 'open' } },
      schema: { hide: true },
      handler: upgradeRequired,
      wsHandler,
      onRequest: rememberResponse,
    });
  }

  heartbeat = setInterval(() => {
    for (const [socket, state] of sockets) {
      if (!state.alive) {
        socket.close(CLOSE_CODES.idle_timeout, 'No answer to ping');
        setTimeout(() => socket.terminate(), 2000).unref();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }, heartbeatIntervalMs);
  heartbeat.unref();
}

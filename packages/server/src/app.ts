/**
 * Builds the platform as a Fastify instance without listening, so tests can `inject()` and the
 * server entry point (`server.ts`) only adds the port and signals.
 */
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { API_PREFIX } from '@miptech/protocol';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import { ReplyRunner } from './assistant/reply-runner.ts';
import type { Responder } from './assistant/responder.ts';
import { Responders } from './assistant/responders.ts';
import { ScriptedResponder } from './assistant/scripted-responder.ts';
import { startStaleReplySweeper } from './assistant/stale-reply-sweeper.ts';
import { assertRouteClassified, type ClassifiedRoute } from './auth/access.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { OperatorAuth } from './auth/operator-auth.ts';
import { Team } from './auth/team.ts';
import { TokenService } from './auth/tokens.ts';
import type { Bus } from './bus/bus.ts';
import { chatChannel } from './bus/chat-events.ts';
import { MemoryBus } from './bus/memory-bus.ts';
import { RedisBus } from './bus/redis-bus.ts';
import { ChatService } from './chat/chat-service.ts';
import { Handoff } from './chat/handoff.ts';
import { InboxFeed } from './chat/inbox-feed.ts';
import { Notes } from './chat/notes.ts';
import type { Config } from './config.ts';
import { clientErrorHandler } from './http/client-error-handler.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { guardInput } from './http/input-guard.ts';
import { registerLimiters } from './http/rate-limits.ts';
import { addRequestContext, requestIdOf } from './http/request-context.ts';
import { assistantTestRoutes } from './http/routes/assistant-test.ts';
import { authRoutes } from './http/routes/auth.ts';
import { chatRoutes } from './http/routes/chats.ts';
import { docsRoutes, registerOpenApi } from './http/routes/docs.ts';
import { handoffRoutes } from './http/routes/handoff.ts';
import { healthRoutes } from './http/routes/health.ts';
import { knowledgeRoutes } from './http/routes/knowledge.ts';
import { knowledgeGapRoutes } from './http/routes/knowledge-gaps.ts';
import { knowledgeImportRoutes } from './http/routes/knowledge-imports.ts';
import { staffChatRoutes } from './http/routes/staff-chats.ts';
import { teamRoutes } from './http/routes/team.ts';
import { tenantSettingsRoutes } from './http/routes/tenant-settings.ts';
import { webRoutes } from './http/routes/web.ts';
import { widgetConfigRoutes } from './http/routes/widget-config.ts';
import { ensureDemoKnowledge } from './knowledge/demo-knowledge.ts';
import { createHybridKnowledge } from './knowledge/hybrid-knowledge.ts';
import type { PassageEmbedding } from './knowledge/passage-embedding.ts';
import { type HostResolver, OutboundPolicy } from './outbound/outbound-policy.ts';
import { ChannelHub } from './realtime/channel-hub.ts';
import { type GatewayOptions, gatewayRoutes } from './realtime/gateway.ts';
import { SocketRevocation } from './realtime/socket-revocation.ts';
import { openStore } from './storage/open-store.ts';
import type { Store, Tenant } from './storage/store.ts';
import { createCorsDelegator } from './tenancy/cors-policy.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from './tenancy/demo-tenant.ts';
import { requireTenant } from './tenancy/require-tenant.ts';
import { TenantDirectory } from './tenancy/tenant-directory.ts';

/** How long a start waits for Redis before serving without shared counters. */
const REDIS_CONNECT_TIMEOUT_MS = 2000;

/** Largest request body accepted; a message is at most 4000 characters, so this is generous. */
const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  /** The configuration, usually from `loadConfig()`. */
  config: Config;
  /** A store to use instead of opening one from the configuration; the caller then closes it. */
  store?: Store;
  /** Overrides the grace for concurrent refreshes (tests). */
  refreshGraceMs?: number;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
  /** Writes every assistant reply, whatever the configuration says (tests). */
  responder?: Responder;
  /** Interval of WebSocket pings, in milliseconds (tests shorten it). */
  heartbeatIntervalMs?: number;
  /** A streaming reply untouched this long is interrupted (tests shorten it). */
  staleReplyMs?: number;
  /** Resolves host names for the outbound policy instead of the system's DNS (tests). */
  resolveHost?: HostResolver;
  /** Presence refresh and time to live, and the typing relay interval, in milliseconds (tests shorten them). */
  presence?: GatewayOptions['presence'];
}

/** What the platform is made of, for the server entry point and for tests. */
export interface Platform {
  app: FastifyInstance;
  store: Store;
  chats: ChatService;
  tenants: TenantDirectory;
  tokens: TokenService;
  /** Cross-instance events: in-process, or Redis pub/sub with `REDIS_URL`. */
  bus: Bus;
  /** Every route under `/api/v1` with its access declaration. */
  routes: ClassifiedRoute[];
  /** Answers visitors' messages; undefined with `RESPONDER=none`. */
  replies: ReplyRunner | undefined;
  /** Moves chats between the assistant and people. */
  handoff: Handoff;
  /** Embeds tenants' passages for hybrid retrieval (does nothing for a tenant without a model). */
  knowledgeEmbedding: PassageEmbedding;
  /** Marks the instance as draining: readiness answers 503 from now on. */
  startDraining(): void;
}

/**
 * Opens the store, migrates it, seeds the demo tenant if configured, and builds the app.
 *
 * @example
 * const { app } = await buildApp({ config: loadConfig({ MIPTECH_ENV: 'development' }) });
 * const response = await app.inject({ url: '/api/v1/health' });
 */
export async function buildApp(options: AppOptions): Promise<Platform> {
  const { config } = options;
  const store = options.store ?? openStore(config);
  await store.migrate();
  if (config.seedDemo) await ensureDemoTenant(store);

  const app = Fastify({
    logger: { level: config.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) },
    genReqId: requestIdOf,
    // Our own onResponse hook writes one line per request (request-context.ts).
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // While draining, finish requests on connections that are already open rather than answer
    // them with Fastify's own 503 body: they are served before the store closes.
    return503OnClosing: false,
    // Errors Fastify raises before routing (a malformed URL, an over-long parameter) get our body too.
    frameworkErrors: errorHandler,
    // …and so does what Node's HTTP parser rejects before Fastify has a request (client-error-handler.ts).
    clientErrorHandler,
    trustProxy: config.trustProxy,
  });
  // No route under /api/v1 is open by omission: each declares who may call it.
  const routes: ClassifiedRoute[] = [];
  app.addHook('onRoute', assertRouteClassified(API_PREFIX, routes));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON only: anything else is a 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  // An empty body sent as application/json means "no body" (the seed's logout sends exactly that);
  // routes that need a body then answer 422 from validation. Anything else parses as Fastify
  // would, with its prototype-poisoning protection.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) done(null, undefined);
    else parseJson(request, String(body), done);
  });
  app.addHook('preValidation', guardInput);
  app.decorateRequest('tenant', null);
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', (request, _reply, done) => {
    request.principal = { kind: 'anonymous' };
    done();
  });

  const redis = config.redisUrl ? await connectRedis(config.redisUrl, app) : undefined;
  if (config.openRegistration) {
    app.log.warn(
      `Open registration is on (${config.environment === 'development' ? 'the development default' : 'OPEN_REGISTRATION=true'}): ` +
        'the first operator to register in a tenant without one becomes its owner. ' +
        'Set OPEN_REGISTRATION=false and create owners with: npm run cli -- tenant owner <tenant> --email <email>',
    );
  }
  if (config.jwtSecretGenerated) {
    app.log.warn('JWT_SECRET is not set: tokens are signed with a random key and stop working on restart');
  }

  const tenants = new TenantDirectory(store);
  const chats = new ChatService(store);
  const tokens = new TokenService(config.jwtSecret);
  const operatorAuth = new OperatorAuth({
    store,
    tokens,
    log: app.log,
    claimableTenants: config.openRegistration,
    openRegistration: config.openRegistration && config.environment === 'development',
    ...(options.refreshGraceMs !== undefined ? { refreshGraceMs: options.refreshGraceMs } : {}),
    // Called on requests only, once `revocation` (below, with the bus) exists.
    announce: (change) => revocation.announce(change),
  });
  const team = new Team(store, (change) => revocation.announce(change));
  const authenticate = createAuthenticator({ config, store, tokens });

  // Realtime: committed messages go on the chat's bus channel; the visitor's get an assistant reply.
  const bus: Bus = config.redisUrl
    ? await RedisBus.connect({ url: config.redisUrl, log: app.log })
    : new MemoryBus({ log: app.log });
  const hub = new ChannelHub(bus);
  const revocation = await SocketRevocation.start({ bus, store, log: app.log });
  const handoff = new Handoff({ store, chats, bus });
  const inbox = new InboxFeed({ store, bus, log: app.log });
  const notes = new Notes({ store, bus });
  // Every request made on a tenant's behalf (its LLM base URL, later webhooks) obeys this policy.
  const outbound = new OutboundPolicy({ allow: config.outboundAllow, resolve: options.resolveHost });
  // Hybrid retrieval where a tenant (or EMBEDDING_PROVIDER) names an embedding model; lexical, with
  // no call out, everywhere else.
  const hybrid = createHybridKnowledge({
    lexical: store.knowledge,
    vectors: store.vectors,
    config: config.embedding,
    settingsOf: async (tenant_id) => (await tenants.get(tenant_id))?.assistant,
    outbound,
    log: app.log,
  });
  const embedKnowledge = (tenant_id: string) => void hybrid.embedding.update(tenant_id);
  const responders =
    options.responder || config.responder !== 'none'
      ? new Responders({
          llm: config.llm,
          knowledge: store.knowledge,
          retriever: hybrid.retriever,
          log: app.log,
          fixed: options.responder ?? (config.responder === 'scripted' ? new ScriptedResponder() : undefined),
          outbound,
        })
      : undefined;
  const replies = responders
    ? new ReplyRunner({
        store,
        tenants,
        bus,
        handoff,
        select: (tenant, message, history) => responders.select(tenant, message, history),
        log: app.log,
        visitorMessagesPerMinute: config.rateLimits.assistantRepliesPerVisitorPerMinute,
        onReplyEnd: (tenantId, chatId) => void inbox.announce(tenantId, chatId, 'message'),
      })
    : undefined;
  if (config.seedDemo) {
    await ensureDemoKnowledge(store, app.log);
    embedKnowledge(DEMO_TENANT_ID);
  }
  responders?.startWarmUp();
  chats.onChat((chat) => void inbox.announce(chat.tenant_id, chat.id, 'created'));
  chats.onMessage((message, chat) => {
    void bus.publish(chatChannel(chat.tenant_id, chat.chat_id), { kind: 'message', message });
    // A system message with a status is a handoff step (handoff.ts): the inbox line changes list.
    const change = message.role === 'system' && message.metadata.status ? 'status' : 'message';
    void inbox.announce(chat.tenant_id, chat.chat_id, change);
    if (replies && message.role === 'user') replies.start(chat.tenant_id, chat.chat_id, message);
  });
  const stopSweeper = startStaleReplySweeper({
    store,
    bus,
    log: app.log,
    ...(options.staleReplyMs
      ? { staleAfterMs: options.staleReplyMs, intervalMs: Math.max(100, options.staleReplyMs / 3) }
      : {}),
  });
  // One hook, so the order is explicit: replies end (writing their final text) before the bus
  // and the store they write to go away.
  app.addHook('onClose', async () => {
    stopSweeper();
    responders?.stop();
    await replies?.shutdown();
    await hybrid.embedding.close();
    hub.close();
    await revocation.close();
    await bus.close();
    redis?.disconnect();
    if (!options.store) await store.close();
  });
  let draining = false;
  // A request that was in flight when draining began (say, waiting for its group commit) answers
  // with `Connection: close`, so its keep-alive connection ends with it: otherwise the connection
  // turns idle after Fastify's one sweep of idle connections and holds the close until the
  // keep-alive timeout. Fastify marks only requests arriving after the close began.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  const readiness = {
    assistant: () => responders?.state ?? 'not_configured',
    draining: () => draining,
  };

  addRequestContext(app);
  await app.register(helmet, {
    // The JSON API needs no CSP of its own; /docs (Swagger UI) gets one from its plugin below.
    contentSecurityPolicy: false,
    // The widget's scripts and the API are fetched cross-origin by design (CORS decides who reads).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cors, { delegator: createCorsDelegator(config, tenants) });
  await app.register(cookie);
  const limiters = await registerLimiters(app, config.rateLimits, redis);
  await registerOpenApi(app);
  await app.register(healthRoutes, { config, store, directory: tenants, readiness });
  await app.register(
    async (tenantScope) => {
      tenantScope.addHook('onRequest', requireTenant(tenants));
      tenantScope.addHook('onRequest', authenticate);
      // preParsing runs after every onRequest hook, the routes' narrow limiters included: a request
      // they refuse never spends the tenant's budget (rate-limits.ts).
      tenantScope.addHook('preParsing', limiters.perTenant);
      await tenantScope.register(chatRoutes, { chats, tokens, config, limiters, replies });
      await tenantScope.register(authRoutes, { auth: operatorAuth, team, tokens, limiters });
      await tenantScope.register(staffChatRoutes, { chats, inbox, notes });
      await tenantScope.register(handoffRoutes, { handoff, chats });
      await tenantScope.register(knowledgeRoutes, {
        knowledge: store.knowledge,
        retriever: hybrid.retriever,
        onStored: embedKnowledge,
      });
      await tenantScope.register(tenantSettingsRoutes, {
        store,
        directory: tenants,
        llm: config.llm,
        embedding: config.embedding,
        outbound,
        onChange: embedKnowledge,
        ...(responders ? { assistantStatus: (tenant: Tenant) => responders.assistantStatus(tenant) } : {}),
      });
      await tenantScope.register(teamRoutes, { team });
      // The console's additions (issue 15): knowledge gaps and imports, the provider test, the widget's config.
      await tenantScope.register(knowledgeGapRoutes, { store });
      await tenantScope.register(knowledgeImportRoutes, { knowledge: store.knowledge, outbound });
      await tenantScope.register(assistantTestRoutes, { llm: config.llm, outbound });
      await tenantScope.register(widgetConfigRoutes);
    },
    { prefix: API_PREFIX },
  );
  await app.register(gatewayRoutes, {
    config,
    store,
    tenants,
    tokens,
    chats,
    hub,
    revocation,
    socketCounters: limiters.sockets,
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    ...(options.presence ? { presence: options.presence } : {}),
  });
  await app.register(docsRoutes);
  await app.register(webRoutes, { directory: config.webDir });

  return {
    app,
    store,
    chats,
    tenants,
    tokens,
    bus,
    routes,
    replies,
    handoff,
    knowledgeEmbedding: hybrid.embedding,
    startDraining: () => {
      draining = true;
    },
  };
}

/**
 * A Redis client for shared counters. Commands fail at once while Redis is down (no offline
 * queue), so rate limiting fails open instead of stalling requests. The first connection is
 * awaited (briefly), so a fresh instance counts its very first requests too.
 */
async function connectRedis(url: string, app: FastifyInstance): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
  });
  let reported = false;
  redis.on('error', (error) => {
    if (!reported)
      app.log.warn({ err: error }, 'Redis unreachable: rate limits are not enforced until it is back');
    reported = true;
  });
  redis.on('ready', () => {
    reported = false;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, REDIS_CONNECT_TIMEOUT_MS).unref());
  // Not connected in time: start anyway (fail open); ioredis keeps reconnecting in the background.
  await Promise.race([redis.connect().catch(() => {}), timeout]);
  return redis;
}

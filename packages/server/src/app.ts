/**
 * Builds the platform as a Fastify instance without listening, so tests can `inject()` and the
 * server entry point (`server.ts`) only adds the port and signals.
 */
import cors from '@fastify/cors';
import { API_PREFIX } from '@miptech/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ChatService } from './chat/chat-service.ts';
import type { Config } from './config.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { guardInput } from './http/input-guard.ts';
import { addRequestContext, requestIdOf } from './http/request-context.ts';
import { chatRoutes } from './http/routes/chats.ts';
import { docsRoutes, registerOpenApi } from './http/routes/docs.ts';
import { healthRoutes } from './http/routes/health.ts';
import { openStore } from './storage/open-store.ts';
import type { Store } from './storage/store.ts';
import { createCorsDelegator } from './tenancy/cors-policy.ts';
import { ensureDemoTenant } from './tenancy/demo-tenant.ts';
import { requireTenant } from './tenancy/require-tenant.ts';
import { TenantDirectory } from './tenancy/tenant-directory.ts';

/** Largest request body accepted; a message is at most 4000 characters, so this is generous. */
const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  /** The configuration, usually from `loadConfig()`. */
  config: Config;
  /** A store to use instead of opening one from the configuration; the caller then closes it. */
  store?: Store;
}

/** What the platform is made of, for the server entry point and for tests. */
export interface Platform {
  app: FastifyInstance;
  store: Store;
  chats: ChatService;
  tenants: TenantDirectory;
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
    logger: { level: config.logLevel },
    genReqId: requestIdOf,
    requestIdLogLabel: 'request_id',
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // While draining, finish requests on connections that are already open rather than answer
    // them with Fastify's own 503 body: they are served before the store closes.
    return503OnClosing: false,
    // Errors Fastify raises before routing (a malformed URL, an over-long parameter) get our body too.
    frameworkErrors: errorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // JSON only: anything else is a 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', guardInput);
  app.decorateRequest('tenant', null);
  if (!options.store) app.addHook('onClose', () => store.close());

  const tenants = new TenantDirectory(store);
  const chats = new ChatService(store);
  let draining = false;
  const readiness = { aiServicesReady: () => false, draining: () => draining };

  addRequestContext(app);
  await app.register(cors, { delegator: createCorsDelegator(config, tenants) });
  await registerOpenApi(app);
  await app.register(healthRoutes, { config, store, directory: tenants, readiness });
  await app.register(
    async (tenantScope) => {
      tenantScope.addHook('onRequest', requireTenant(tenants));
      await tenantScope.register(chatRoutes, { chats });
    },
    { prefix: API_PREFIX },
  );
  await app.register(docsRoutes);

  return {
    app,
    store,
    chats,
    tenants,
    startDraining: () => {
      draining = true;
    },
  };
}

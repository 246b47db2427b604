/**
 * Health and readiness. Health answers with or without a tenant header (the seed clients send
 * one) and never waits long: a database that does not answer within a second is reported down.
 */
import { API_PREFIX, Health, PROTOCOL_VERSION } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import packageJson from '../../../package.json' with { type: 'json' };
import type { Config } from '../../config.ts';
import type { Store } from '../../storage/store.ts';
import type { TenantDirectory } from '../../tenancy/tenant-directory.ts';
import { tenantIdOf } from '../../tenancy/tenant-id.ts';

const PING_TIMEOUT_MS = 1000;

/** What else health reports on; the answer engine plugs in here later. */
export interface Readiness {
  /** `ok` once the assistant can answer (`responders.ts`), `not_configured` when none runs. */
  assistant(): 'ok' | 'warming' | 'unavailable' | 'not_configured';
  /** True while the server is shutting down: readiness turns 503 so load balancers move on. */
  draining(): boolean;
}

async function databaseCheck(store: Store): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([store.ping(), timeout]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(
  app: FastifyInstance,
  options: { config: Config; store: Store; directory: TenantDirectory; readiness: Readiness },
): Promise<void> {
  const { config, store, directory, readiness } = options;
  const startedAt = Date.now();
  const api = app.withTypeProvider<ZodTypeProvider>();

  const health = {
    config: { access: { kind: 'open' } as const },
    schema: {
      tags: ['health'],
      summary: 'Health of the platform',
      description:
        'Answers 200 when healthy, 503 with the failing check otherwise. A tenant header is optional.',
      response: { 200: Health, 503: Health },
    },
  };
  for (const url of ['/health', `${API_PREFIX}/health`]) {
    api.get(url, health, async (request, reply) => {
      const database = await databaseCheck(store);
      const healthy = database === 'ok';
      let tenant: string | undefined;
      try {
        const tenantId = tenantIdOf(request);
        if (healthy && tenantId && (await directory.get(tenantId))) tenant = tenantId;
      } catch {
        // A malformed tenant header does not make the platform unhealthy.
      }
      const assistant = readiness.assistant();
      const aiReady = assistant === 'ok';
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        version: packageJson.version,
        protocol_version: PROTOCOL_VERSION,
        ai_services_ready: healthy && aiReady,
        checks: { database, assistant },
        ...(tenant ? { tenant } : {}),
        environment: config.environment,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        timestamp: new Date().toISOString(),
      });
    });
  }

  api.get(
    `${API_PREFIX}/ready`,
    {
      config: { access: { kind: 'open' } as const },
      schema: {
        tags: ['health'],
        summary: 'Readiness for orchestrators',
        description:
          '200 when this instance should receive traffic; 503 while starting, draining or without a database.',
        response: {
          200: z.object({ ready: z.boolean() }),
          503: z.object({ ready: z.boolean(), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      if (readiness.draining()) return reply.status(503).send({ ready: false, reason: 'draining' });
      if ((await databaseCheck(store)) !== 'ok')
        return reply.status(503).send({ ready: false, reason: 'database' });
      return { ready: true };
    },
  );
}

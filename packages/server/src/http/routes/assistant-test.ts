/** `POST /api/v1/tenant/assistant/test`: one small call to the tenant's LLM provider. */
import { AssistantTestResult } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkProvider } from '../../assistant/provider-check.ts';
import { MANAGERS } from '../../auth/access.ts';
import type { LlmConfig } from '../../config.ts';
import type { OutboundPolicy } from '../../outbound/outbound-policy.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

export async function assistantTestRoutes(
  app: FastifyInstance,
  options: { llm: LlmConfig; outbound: OutboundPolicy },
): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/tenant/assistant/test',
    {
      // Not API keys, and not agents: each call spends the tenant's provider quota.
      config: { access: { kind: 'staff', roles: MANAGERS, apiKeys: false } },
      schema: {
        tags: ['tenant'],
        summary: "Test the assistant's LLM provider with the saved settings",
        description:
          'Makes one call of a few tokens through the outbound policy. 200 either way: `ok`, or `ok: false` with a stable `reason` (`provider_unauthorized`, `provider_unreachable`, …) and a `detail`.',
        response: { 200: AssistantTestResult, ...errorResponses },
      },
    },
    async (request) => checkProvider(options.llm, tenantOf(request).assistant, options.outbound),
  );
}

/** `/api/v1/operators` and `/api/v1/api-keys`: owners and admins manage the team and its keys. */
import {
  ApiKeyBody,
  ApiKeyList,
  CreatedApiKey,
  Operator,
  OperatorList,
  OperatorPatchBody,
} from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MANAGERS, operatorOf } from '../../auth/access.ts';
import type { Team } from '../../auth/team.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

// API keys may not manage the team nor mint more keys: a leaked key must not be able to entrench itself.
const managers = { access: { kind: 'staff', roles: MANAGERS, apiKeys: false } } as const;
const OperatorParams = z.object({ operator_id: z.string().max(128) });
const KeyParams = z.object({ key_id: z.string().max(128) });
const noContent = { 204: z.null().describe('Done'), ...errorResponses };

export async function teamRoutes(app: FastifyInstance, options: { team: Team }): Promise<void> {
  const { team } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/operators',
    {
      config: managers,
      schema: {
        tags: ['team'],
        summary: "List the tenant's operators",
        response: { 200: OperatorList, ...errorResponses },
      },
    },
    async (request) => ({ items: await team.list(tenantOf(request).id) }),
  );

  api.patch(
    '/operators/:operator_id',
    {
      config: managers,
      schema: {
        tags: ['team'],
        summary: "Change an operator's role or name",
        description: 'Only an owner may grant or change the owner role; a tenant always keeps one owner.',
        params: OperatorParams,
        body: OperatorPatchBody,
        response: { 200: Operator, ...errorResponses },
      },
    },
    async (request) => team.update(operatorOf(request).operator, request.params.operator_id, request.body),
  );

  api.delete(
    '/operators/:operator_id',
    {
      config: managers,
      schema: {
        tags: ['team'],
        summary: 'Remove an operator and end their sessions',
        params: OperatorParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      await team.remove(operatorOf(request).operator, request.params.operator_id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/api-keys',
    {
      config: managers,
      schema: {
        tags: ['team'],
        summary: 'List API keys (never the keys themselves)',
        response: { 200: ApiKeyList, ...errorResponses },
      },
    },
    async (request) => ({ items: await team.listApiKeys(tenantOf(request).id) }),
  );

  api.post(
    '/api-keys',
    {
      config: managers,
      schema: {
        tags: ['team'],
        summary: 'Create an API key for server-to-server calls',
        description: 'The key is in this answer only; it is stored hashed.',
        body: ApiKeyBody,
        response: { 200: CreatedApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return team.createApiKey(operatorOf(request).operator, request.body);
    },
  );

  api.delete(
    '/api-keys/:key_id',
    {
      config: managers,
      schema: { tags: ['team'], summary: 'Revoke an API key', params: KeyParams, response: noContent },
    },
    async (request, reply) => {
      await team.revokeApiKey(tenantOf(request).id, request.params.key_id);
      return reply.code(204).send(null);
    },
  );
}

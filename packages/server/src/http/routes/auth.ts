/**
 * `/api/v1/auth/*`: operator sign-up, sign-in, token refresh, sign-out, profile, password and
 * invitations, shaped as the seed's `MIPTechAuthClient` calls them.
 *
 * The refresh token comes back in the JSON body (the seed client reads it there) and also as an
 * `HttpOnly; Secure; SameSite=Strict` cookie limited to this path, so a browser client can leave
 * it out of JavaScript's reach entirely and call refresh and logout without a body.
 */
import {
  ChangePasswordBody,
  Invitation,
  InvitationBody,
  LoginBody,
  Operator,
  RefreshBody,
  RegisterBody,
  TokenResponse,
} from '@miptech/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, MANAGERS, operatorOf } from '../../auth/access.ts';
import { type OperatorAuth, publicOperator, type TokenPair } from '../../auth/operator-auth.ts';
import type { Team } from '../../auth/team.ts';
import { REFRESH_TOKEN_TTL_SECONDS, type TokenService } from '../../auth/tokens.ts';
import { ApiError } from '../../errors/api-error.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { assertSameTenant } from '../../tenancy/tenant-id.ts';
import type { Limiters } from '../rate-limits.ts';
import { errorResponses } from '../schemas.ts';

/** Name of the refresh-token cookie. */
export const REFRESH_COOKIE = 'miptech_refresh';
const COOKIE_PATH = '/api/v1/auth';

export interface AuthRouteOptions {
  auth: OperatorAuth;
  team: Team;
  tokens: TokenService;
  limiters: Limiters;
}

function sendTokens(reply: FastifyReply, pair: TokenPair): TokenPair {
  void reply.setCookie(REFRESH_COOKIE, pair.refresh_token, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    maxAge: REFRESH_TOKEN_TTL_SECONDS,
  });
  // Tokens must not be stored by caches along the way (RFC 6749 §5.1).
  void reply.header('cache-control', 'no-store');
  return pair;
}

const refreshTokenOf = (
  request: FastifyRequest,
  body: { refresh_token?: string | undefined } | null | undefined,
) => body?.refresh_token ?? request.cookies[REFRESH_COOKIE];

export async function authRoutes(app: FastifyInstance, options: AuthRouteOptions): Promise<void> {
  const { auth, team, tokens, limiters } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tokenResponses = { 200: TokenResponse, ...errorResponses };

  api.post(
    '/auth/register',
    {
      config: { access: { kind: 'public' } },
      onRequest: limiters.auth,
      schema: {
        tags: ['auth'],
        summary: 'Register an operator',
        description:
          'The first operator of a tenant becomes its owner. Later ones need an `invitation_token` (in development mode registration stays open and newcomers are agents).',
        body: RegisterBody,
        response: tokenResponses,
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      assertSameTenant(tenant.id, request.body.tenant_id);
      return sendTokens(reply, await auth.register(tenant, request.body));
    },
  );

  api.post(
    '/auth/login',
    {
      config: { access: { kind: 'public' } },
      onRequest: limiters.auth,
      schema: { tags: ['auth'], summary: 'Log in', body: LoginBody, response: tokenResponses },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      assertSameTenant(tenant.id, request.body.tenant_id);
      const account = `${tenant.id}:${request.body.email}`;
      // A browser that signed in to this account before (its refresh cookie) is judged by its own
      // failures only, so strangers' wrong passwords cannot lock the operator out of it.
      const device = await auth.recognizedDevice(tenant, request.body.email, request.cookies[REFRESH_COOKIE]);
      await limiters.assertLoginAllowed(request, reply, account, device);
      try {
        return sendTokens(reply, await auth.login(tenant, request.body));
      } catch (error) {
        if (error instanceof ApiError && error.code === 'invalid_credentials') {
          await limiters.recordLoginFailure(request, account, device);
        }
        throw error;
      }
    },
  );

  api.post(
    '/auth/refresh',
    {
      config: { access: { kind: 'public' } },
      onRequest: limiters.auth,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens',
        description:
          'The refresh token is rotated: the one sent stops working. Sending a rotated token again ends the whole session.',
        body: RefreshBody.nullish(),
        response: tokenResponses,
      },
    },
    async (request, reply) => {
      const refreshToken = refreshTokenOf(request, request.body);
      if (!refreshToken)
        throw new ApiError('invalid_refresh_token', 'Send refresh_token in the body or the cookie');
      return sendTokens(reply, await auth.refresh(tenantOf(request), refreshToken));
    },
  );

  api.post(
    '/auth/logout',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags: ['auth'],
        summary: 'Log out: end the session',
        description:
          'Ends the session of the refresh token (body or cookie) and of the access token, if either is sent. Always 204.',
        body: RefreshBody.nullish(),
        response: { 204: z.null().describe('Logged out'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const claims = bearer ? await tokens.verifyOperator(bearer) : undefined;
      const tenant = tenantOf(request);
      const sessionId = claims?.tenant_id === tenant.id ? claims.session_id : undefined;
      await auth.logout(tenant, refreshTokenOf(request, request.body), sessionId);
      void reply.clearCookie(REFRESH_COOKIE, {
        path: COOKIE_PATH,
        secure: true,
        httpOnly: true,
        sameSite: 'strict',
      });
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/auth/me',
    {
      config: { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: false } },
      schema: {
        tags: ['auth'],
        summary: 'The operator behind the access token',
        response: { 200: Operator, ...errorResponses },
      },
    },
    async (request) => publicOperator(operatorOf(request).operator),
  );

  api.post(
    '/auth/password',
    {
      config: { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: false } },
      onRequest: limiters.auth,
      schema: {
        tags: ['auth'],
        summary: 'Change your password',
        description: 'Ends every session of the operator, then starts a new one for this client.',
        body: ChangePasswordBody,
        response: tokenResponses,
      },
    },
    async (request, reply) =>
      sendTokens(reply, await auth.changePassword(operatorOf(request).operator, request.body)),
  );

  api.post(
    '/auth/invitations',
    {
      config: { access: { kind: 'staff', roles: MANAGERS, apiKeys: false } },
      schema: {
        tags: ['team'],
        summary: 'Invite an operator',
        description:
          'Returns an invitation token (shown once) for the invitee to register with. Valid 7 days.',
        body: InvitationBody,
        response: { 200: Invitation, ...errorResponses },
      },
    },
    async (request) => team.invite(operatorOf(request).operator, request.body),
  );
}

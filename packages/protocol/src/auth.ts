/**
 * Bodies of the authentication and operator endpoints (`/api/v1/auth/*`, `/api/v1/chats`,
 * `/api/v1/tenant`, `/api/v1/operators`, `/api/v1/api-keys`), shaped as the seed's
 * `MIPTechAuthClient` sends and reads them.
 */
import { z } from 'zod';
import { AssistantSettingsPatch, AssistantSettingsView, AssistantStatus } from './assistant.ts';
import { Chat, ChatStatus } from './rest.ts';
import { MAX_PAGE_SIZE } from './version.ts';

/** Operator roles, most powerful first. */
export const OperatorRole = z.enum(['owner', 'admin', 'agent']);
export type OperatorRole = z.infer<typeof OperatorRole>;

const email = z
  .email({ error: 'must be an email address' })
  .max(254)
  .transform((value) => value.toLowerCase());

// Strength rules live in the server (they need the email and name); the schema bounds the size.
const password = z.string().min(1, 'is required').max(1024);

/** `POST /api/v1/auth/register`. */
export const RegisterBody = z.object({
  email,
  password,
  name: z.string().trim().max(100).optional().describe('Display name; defaults to the email'),
  tenant_id: z.string().max(63).optional().describe('If given, must equal the tenant of the request'),
  invitation_token: z
    .string()
    .max(200)
    .optional()
    .describe('Needed once the tenant has an owner (except in development mode)'),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

/** `POST /api/v1/auth/login`. */
export const LoginBody = z.object({
  email,
  password,
  tenant_id: z.string().max(63).optional().describe('If given, must equal the tenant of the request'),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** `POST /api/v1/auth/refresh` and `/logout`: the refresh token in the body, or in the HttpOnly cookie. */
export const RefreshBody = z.object({
  refresh_token: z.string().max(4096).optional().describe('Omit to use the `miptech_refresh` cookie'),
});
export type RefreshBody = z.infer<typeof RefreshBody>;

/** `POST /api/v1/auth/password`: change one's own password; every session of the operator ends. */
export const ChangePasswordBody = z.object({
  current_password: password,
  new_password: password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** An operator as the API shows it (never the password hash). */
export const Operator = z.object({
  id: z.string(),
  tenant_id: z.string(),
  email: z.string(),
  name: z.string(),
  role: OperatorRole,
  created_at: z.string(),
  updated_at: z.string(),
});
export type Operator = z.infer<typeof Operator>;

/** Answer of register, login and refresh. */
export const TokenResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string().describe('Also set as the HttpOnly `miptech_refresh` cookie on the auth path'),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('Seconds until the access token expires'),
  user: Operator,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** `POST /api/v1/auth/invitations`. */
export const InvitationBody = z.object({
  email,
  role: OperatorRole.default('agent'),
});
export type InvitationBody = z.infer<typeof InvitationBody>;

/** An invitation; the token is shown once, here. */
export const Invitation = z.object({
  id: z.string(),
  tenant_id: z.string(),
  email: z.string(),
  role: OperatorRole,
  invitation_token: z.string().describe('Give it to the invitee: they register with it. Shown only once'),
  expires_at: z.string(),
});
export type Invitation = z.infer<typeof Invitation>;

/** `PATCH /api/v1/operators/{id}`. */
export const OperatorPatchBody = z
  .object({ role: OperatorRole.optional(), name: z.string().trim().min(1).max(100).optional() })
  .refine((body) => body.role !== undefined || body.name !== undefined, 'send role or name');
export type OperatorPatchBody = z.infer<typeof OperatorPatchBody>;

/** `GET /api/v1/operators`. */
export const OperatorList = z.object({ items: z.array(Operator) });

/** `POST /api/v1/api-keys`. */
export const ApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(['admin', 'agent']).default('agent').describe('The key acts with this role'),
});
export type ApiKeyBody = z.infer<typeof ApiKeyBody>;

/** An API key as listed: never the key itself. */
export const ApiKey = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'agent']),
  prefix: z.string().describe('The first characters of the key, to recognise it'),
  created_by: z.string(),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Answer of `POST /api/v1/api-keys`: the only time the key is shown. */
export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe('Send as "Authorization: Bearer <key>". Shown only once; store it now'),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** `GET /api/v1/api-keys`. */
export const ApiKeyList = z.object({ items: z.array(ApiKey) });

/** `GET /api/v1/tenant`: the settings operators see and change. */
export const TenantSettings = z.object({
  id: z.string(),
  name: z.string(),
  allowed_origins: z.array(z.string()),
  greeting: z.string(),
  enabled: z.boolean(),
  assistant: AssistantSettingsView,
  assistant_status: AssistantStatus.optional().describe(
    'GET only: whether the assistant can answer; absent on PATCH and when the platform runs no assistant',
  ),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

/** `PATCH /api/v1/tenant`. */
export const TenantSettingsPatch = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    allowed_origins: z
      .array(z.url({ protocol: /^https?$/ }).transform((origin) => new URL(origin).origin))
      .max(50)
      .optional()
      .describe('Exact origins, e.g. "https://www.example.com"; replaces the whole list'),
    greeting: z.string().trim().max(500).optional(),
    assistant: AssistantSettingsPatch.optional().describe(
      "The assistant's persona, prompt, LLM and budget: fields given replace the stored ones, null removes one",
    ),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'send at least one field');
export type TenantSettingsPatch = z.infer<typeof TenantSettingsPatch>;

/** `GET /api/v1/chats` query. */
export const ChatListQuery = z.object({
  status: ChatStatus.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z.string().max(200).optional().describe('`next_cursor` of the previous page'),
});
export type ChatListQuery = z.infer<typeof ChatListQuery>;

/** A page of chats, newest first. */
export const ChatPage = z.object({
  items: z.array(Chat),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
export type ChatPage = z.infer<typeof ChatPage>;

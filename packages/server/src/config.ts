/**
 * Configuration from the environment, validated once at start. Every variable is listed in the
 * README's configuration table; defaults are safe for development.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { EmbeddingProvider, LlmProvider } from '@miptech/protocol';
import { z } from 'zod';
import { type AllowList, parseAllowList } from './outbound/allow-list.ts';

const originList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((origin) => new URL(origin).origin)));

/** A rate limit: a positive whole number, optional (its default is in DEFAULT_RATE_LIMITS). */
const limit = (max = 1_000_000_000) => z.coerce.number().int().min(1).max(max).optional();

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('localhost'),
  MIPTECH_ENV: z.enum(['development', 'production']).default('development'),
  DATA_DIR: z.string().min(1).default('.data'),
  WEB_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  CORS_ORIGINS: originList,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MIPTECH_DEMO: z.enum(['true', 'false']).optional(),
  OPEN_REGISTRATION: z.enum(['true', 'false']).optional(),
  JWT_SECRET: z.string().optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // Rate limits (README, "Rate limits"; docs/protocol.md, "Limits"); defaults in DEFAULT_RATE_LIMITS.
  RATE_LIMIT_TENANT_PER_MINUTE: limit(),
  RATE_LIMIT_TENANT_PER_IP_PER_MINUTE: limit(),
  RATE_LIMIT_CHATS_PER_IP_PER_MINUTE: limit(),
  RATE_LIMIT_CHATS_PER_VISITOR_PER_MINUTE: limit(),
  RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE: limit(),
  RATE_LIMIT_MESSAGES_PER_VISITOR_PER_MINUTE: limit(),
  RATE_LIMIT_ASSISTANT_REPLIES_PER_VISITOR_PER_MINUTE: limit(),
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: limit(),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: limit(),
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: limit(),
  WS_MAX_CONNECTIONS_PER_IP: limit(),
  WS_MAX_CONNECTIONS_PER_TENANT: limit(10_000_000),
  WS_HANDSHAKES_PER_IP_PER_MINUTE: limit(),
  RESPONDER: z.enum(['assistant', 'scripted', 'none']).default('assistant'),
  LLM_PROVIDER: LlmProvider.default('none'),
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(32_000).default(600),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  EMBEDDING_PROVIDER: EmbeddingProvider.default('none'),
  EMBEDDING_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  EMBEDDING_API_KEY: z.string().min(1).optional(),
  EMBEDDING_MODEL: z.string().min(1).optional(),
  EMBEDDING_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9a-fA-F.:/, ]+)$/, 'true, false, or a comma-separated list of proxy IPs/CIDRs')
    .optional(),
  OUTBOUND_ALLOW: z
    .string()
    .optional()
    .superRefine((value, context) => {
      try {
        parseAllowList(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
});

/** HS256 keys are 256 bits; a shorter secret is guessable offline from any token (RFC 8725 §3.5). */
export const MIN_JWT_SECRET_LENGTH = 32;

/** Requests allowed per window; see the README's "Rate limits". Tests lower them. */
export interface RateLimits {
  /** Every request naming a tenant, per tenant per minute. */
  tenantPerMinute: number;
  /** The share of `tenantPerMinute` one IP may spend, so one client cannot exhaust a tenant's budget. */
  tenantPerIpPerMinute: number;
  /** Chats started per IP per minute. */
  chatsPerIpPerMinute: number;
  /** Chats started per visitor per minute. */
  chatsPerVisitorPerMinute: number;
  /** Messages posted per IP per minute. */
  messagesPerIpPerMinute: number;
  /** Messages posted per visitor per minute. */
  messagesPerVisitorPerMinute: number;
  /** Visitor messages per minute the assistant answers; beyond it, a polite refusal and no provider call. */
  assistantRepliesPerVisitorPerMinute: number;
  /** Calls to register, login and refresh per IP per minute. */
  authPerIpPerMinute: number;
  /** Failed logins per account (tenant + email) per 15 minutes. */
  loginFailuresPerAccount: number;
  /** Failed logins per IP per 15 minutes. */
  loginFailuresPerIp: number;
  /** Open WebSocket connections per client IP, on one instance (`WS_MAX_CONNECTIONS_PER_IP`). */
  socketsPerIp: number;
  /** Open WebSocket connections per tenant, on one instance (`WS_MAX_CONNECTIONS_PER_TENANT`). */
  socketsPerTenant: number;
  /** WebSocket handshakes per client IP per minute, on every instance together (`WS_HANDSHAKES_PER_IP_PER_MINUTE`). */
  socketHandshakesPerIpPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  tenantPerMinute: 3000,
  tenantPerIpPerMinute: 300,
  chatsPerIpPerMinute: 20,
  chatsPerVisitorPerMinute: 10,
  messagesPerIpPerMinute: 60,
  messagesPerVisitorPerMinute: 30,
  assistantRepliesPerVisitorPerMinute: 10,
  authPerIpPerMinute: 30,
  loginFailuresPerAccount: 5,
  loginFailuresPerIp: 20,
  // An office behind one NAT address may have many visitors open; one client needs one or two.
  socketsPerIp: 100,
  // Per instance: ~5000 idle sockets cost a few hundred MB; a bigger tenant runs more instances.
  socketsPerTenant: 5000,
  // Reconnects back off (docs/protocol.md), so 2 a second on average only stops floods.
  socketHandshakesPerIpPerMinute: 120,
};

/**
 * The environment variable of each rate limit, so operators can tune them and a benchmark can lift
 * them without patching code. Listed in the README's configuration table.
 */
export const RATE_LIMIT_VARIABLES = {
  RATE_LIMIT_TENANT_PER_MINUTE: 'tenantPerMinute',
  RATE_LIMIT_TENANT_PER_IP_PER_MINUTE: 'tenantPerIpPerMinute',
  RATE_LIMIT_CHATS_PER_IP_PER_MINUTE: 'chatsPerIpPerMinute',
  RATE_LIMIT_CHATS_PER_VISITOR_PER_MINUTE: 'chatsPerVisitorPerMinute',
  RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE: 'messagesPerIpPerMinute',
  RATE_LIMIT_MESSAGES_PER_VISITOR_PER_MINUTE: 'messagesPerVisitorPerMinute',
  RATE_LIMIT_ASSISTANT_REPLIES_PER_VISITOR_PER_MINUTE: 'assistantRepliesPerVisitorPerMinute',
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: 'authPerIpPerMinute',
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: 'loginFailuresPerAccount',
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: 'loginFailuresPerIp',
  WS_MAX_CONNECTIONS_PER_IP: 'socketsPerIp',
  WS_MAX_CONNECTIONS_PER_TENANT: 'socketsPerTenant',
  WS_HANDSHAKES_PER_IP_PER_MINUTE: 'socketHandshakesPerIpPerMinute',
} as const satisfies Record<string, keyof RateLimits>;

function rateLimitsFrom(values: Partial<Record<keyof typeof RATE_LIMIT_VARIABLES, number>>): RateLimits {
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const [variable, key] of Object.entries(RATE_LIMIT_VARIABLES)) {
    const value = values[variable as keyof typeof RATE_LIMIT_VARIABLES];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** The platform's configuration. */
export interface Config {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** `development` relaxes CORS to any localhost origin and seeds the demo tenant. */
  environment: 'development' | 'production';
  /** Directory of the SQLite file when no `databaseUrl` is set. */
  dataDir: string;
  /** The built widget, loader and demo site (scripts/build-web.ts); served at `/`. */
  webDir: string;
  /** PostgreSQL connection string; SQLite under `dataDir` when absent. */
  databaseUrl: string | undefined;
  /** Origins allowed for every tenant, on top of each tenant's own list. */
  corsOrigins: string[];
  /** pino level. */
  logLevel: string;
  /** Create the demo tenant `miptech-company` on start. */
  seedDemo: boolean;
  /**
   * Whether anyone may register as the first owner of a tenant that has no operator yet (and, in
   * development, as an agent without an invitation). Off in production unless `OPEN_REGISTRATION=true`:
   * otherwise the first stranger to call register owns a tenant made with the CLI.
   */
  openRegistration: boolean;
  /** Signs access and visitor tokens (through derived keys). Random per process in development when unset. */
  jwtSecret: string;
  /** True when `jwtSecret` was generated: tokens do not survive a restart nor work across instances. */
  jwtSecretGenerated: boolean;
  /** Redis for rate-limit counters shared across instances; in-process counters when absent. */
  redisUrl: string | undefined;
  /**
   * Who writes assistant replies: `assistant` (the knowledge-base responder, or the LLM one where a
   * provider is configured), the `scripted` echo (process tests), or nobody.
   */
  responder: 'assistant' | 'scripted' | 'none';
  /** The platform's LLM; each tenant may override provider, base URL, model and key. */
  llm: LlmConfig;
  /** The platform's embedding model for hybrid retrieval; each tenant may override it too. */
  embedding: EmbeddingConfig;
  /** Fastify's `trustProxy`: whose `X-Forwarded-For` to believe for the client IP. */
  trustProxy: boolean | string;
  /** Request rate limits. */
  rateLimits: RateLimits;
  /** Internal hosts and ranges the server may call on a tenant's behalf (`OUTBOUND_ALLOW`); none by default. */
  outboundAllow: AllowList;
}

/** Which LLM the `assistant` responder uses, before a tenant's own overrides. */
export interface LlmConfig {
  /** `none` answers from the knowledge base alone, with no model. */
  provider: LlmProvider;
  /** e.g. `http://localhost:11434/v1` for Ollama; the provider's own API when absent. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** e.g. `gpt-4o-mini`, `claude-sonnet-4-5`, `llama3.2`. */
  model: string | undefined;
  /** Cap on the tokens of one reply. */
  maxTokens: number;
  /** A reply that has not finished by then is cut off (and ends politely). */
  timeoutMs: number;
  /** Retries of a failed provider call before the first token (the AI SDK's `maxRetries`). */
  maxRetries: number;
}

/**
 * Which embedding model hybrid retrieval uses, before a tenant's own overrides. With the same
 * provider as the LLM and no base URL of its own, it uses the LLM's base URL and key (one Ollama,
 * one OpenAI account); the LLM's key never goes to another base URL.
 */
export interface EmbeddingConfig {
  /** `none`: lexical retrieval only, nothing is embedded, nothing calls out. */
  provider: EmbeddingProvider;
  /** The provider's own API when absent (or the LLM's, see above). */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** e.g. `text-embedding-3-small`, `nomic-embed-text`. */
  model: string | undefined;
  /** A question not embedded by then is answered from lexical retrieval alone. */
  timeoutMs: number;
}

/** Raised when the environment holds an invalid value; the message says which and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration from an environment (default: `process.env`). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  const secret = values.JWT_SECRET ?? '';
  if (values.MIPTECH_ENV === 'production' && secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new ConfigError(
      `Invalid configuration:\n  JWT_SECRET: production needs a secret of at least ${MIN_JWT_SECRET_LENGTH} characters ` +
        `(it is ${secret ? `${secret.length} characters` : 'not set'}); tokens signed with a short or missing secret can be forged. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))"`,
    );
  }
  const llmProblem = describeLlmProblem(values.LLM_PROVIDER, values.LLM_BASE_URL, values.LLM_MODEL);
  if (llmProblem) throw new ConfigError(`Invalid configuration:\n  ${llmProblem}`);
  const embedding = embeddingConfigFrom(values);
  const embeddingProblem = describeEmbeddingProblem(embedding.provider, embedding.baseUrl, embedding.model);
  if (embeddingProblem) throw new ConfigError(`Invalid configuration:\n  ${embeddingProblem}`);
  return {
    port: values.PORT,
    host: values.HOST,
    environment: values.MIPTECH_ENV,
    dataDir: resolve(values.DATA_DIR),
    webDir: values.WEB_DIR
      ? resolve(values.WEB_DIR)
      : join(import.meta.dirname, '..', '..', '..', 'dist', 'web'),
    databaseUrl: values.DATABASE_URL,
    corsOrigins: values.CORS_ORIGINS,
    logLevel: values.LOG_LEVEL,
    seedDemo: values.MIPTECH_DEMO ? values.MIPTECH_DEMO === 'true' : values.MIPTECH_ENV === 'development',
    openRegistration: values.OPEN_REGISTRATION
      ? values.OPEN_REGISTRATION === 'true'
      : values.MIPTECH_ENV === 'development',
    jwtSecret: secret || randomBytes(48).toString('base64url'),
    jwtSecretGenerated: !secret,
    redisUrl: values.REDIS_URL,
    responder: values.RESPONDER,
    llm: {
      provider: values.LLM_PROVIDER,
      baseUrl: values.LLM_BASE_URL,
      apiKey: values.LLM_API_KEY,
      model: values.LLM_MODEL,
      maxTokens: values.LLM_MAX_TOKENS,
      timeoutMs: values.LLM_TIMEOUT_MS,
      maxRetries: values.LLM_MAX_RETRIES,
    },
    embedding,
    trustProxy: parseTrustProxy(values.TRUST_PROXY),
    rateLimits: rateLimitsFrom(values),
    outboundAllow: parseAllowList(values.OUTBOUND_ALLOW),
  };
}

/** What an LLM provider setting lacks, or undefined; shared with the per-tenant overrides. */
export function describeLlmProblem(
  provider: LlmProvider,
  baseUrl: string | undefined,
  model: string | undefined,
): string | undefined {
  if (provider === 'none') return undefined;
  if (!model) return `LLM_MODEL: LLM_PROVIDER=${provider} needs a model name (e.g. gpt-4o-mini, llama3.2)`;
  if (provider === 'openai-compatible' && !baseUrl)
    return 'LLM_BASE_URL: LLM_PROVIDER=openai-compatible needs the server URL (e.g. http://localhost:11434/v1)';
  return undefined;
}

/** `EMBEDDING_*`, with the LLM's base URL and key where the provider is the same (see {@link EmbeddingConfig}). */
function embeddingConfigFrom(values: z.infer<typeof EnvSchema>): EmbeddingConfig {
  const provider = values.EMBEDDING_PROVIDER;
  const sharesLlm = provider !== 'none' && provider === values.LLM_PROVIDER && !values.EMBEDDING_BASE_URL;
  return {
    provider,
    baseUrl: values.EMBEDDING_BASE_URL ?? (sharesLlm ? values.LLM_BASE_URL : undefined),
    apiKey: values.EMBEDDING_API_KEY ?? (sharesLlm ? values.LLM_API_KEY : undefined),
    model: values.EMBEDDING_MODEL,
    timeoutMs: values.EMBEDDING_TIMEOUT_MS,
  };
}

/** What an embedding setting lacks, or undefined; shared with the per-tenant overrides. */
export function describeEmbeddingProblem(
  provider: EmbeddingProvider,
  baseUrl: string | undefined,
  model: string | undefined,
): string | undefined {
  if (provider === 'none') return undefined;
  if (!model)
    return `EMBEDDING_MODEL: EMBEDDING_PROVIDER=${provider} needs a model name (e.g. text-embedding-3-small, nomic-embed-text)`;
  if (provider === 'openai-compatible' && !baseUrl)
    return 'EMBEDDING_BASE_URL: EMBEDDING_PROVIDER=openai-compatible needs the server URL (e.g. http://localhost:11434/v1)';
  return undefined;
}

function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === 'false') return false;
  return value === 'true' ? true : value;
}

/**
 * Configuration from the environment, validated once at start. Every variable is listed in the
 * README's configuration table; defaults are safe for development.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

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

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('localhost'),
  MIPTECH_ENV: z.enum(['development', 'production']).default('development'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.string().url().optional(),
  CORS_ORIGINS: originList,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MIPTECH_DEMO: z.enum(['true', 'false']).optional(),
});

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
  /** PostgreSQL connection string; SQLite under `dataDir` when absent. */
  databaseUrl: string | undefined;
  /** Origins allowed for every tenant, on top of each tenant's own list. */
  corsOrigins: string[];
  /** pino level. */
  logLevel: string;
  /** Create the demo tenant `miptech-company` on start. */
  seedDemo: boolean;
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
  return {
    port: values.PORT,
    host: values.HOST,
    environment: values.MIPTECH_ENV,
    dataDir: resolve(values.DATA_DIR),
    databaseUrl: values.DATABASE_URL,
    corsOrigins: values.CORS_ORIGINS,
    logLevel: values.LOG_LEVEL,
    seedDemo: values.MIPTECH_DEMO ? values.MIPTECH_DEMO === 'true' : values.MIPTECH_ENV === 'development',
  };
}

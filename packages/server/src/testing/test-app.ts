/**
 * Builds a platform for tests: a fresh SQLite file (or a fresh PostgreSQL schema) per call, the
 * demo tenant seeded, logs silenced. `close()` removes everything it made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOptions, buildApp, type Platform } from '../app.ts';
import { type Config, DEFAULT_RATE_LIMITS, loadConfig, type RateLimits } from '../config.ts';
import { PostgresStore } from '../storage/postgres/postgres-store.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import { DEMO_TENANT_ID } from '../tenancy/demo-tenant.ts';
import { dropSchema, uniqueSchema } from './services.ts';

export interface TestPlatform extends Platform {
  config: Config;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults (which include `RESPONDER=none`). */
  env?: Record<string, string>;
  /** A PostgreSQL URL: use a fresh schema there instead of SQLite. */
  postgresUrl?: string;
  /** Rate limits; by default 1000 times the real ones, so only rate-limit tests meet them. */
  rateLimits?: Partial<RateLimits>;
  /** Grace for concurrent refreshes, in milliseconds. */
  refreshGraceMs?: number;
  /** Receives the log lines (set `LOG_LEVEL` in `env` too; tests default to silent). */
  logStream?: { write(line: string): void };
  /** Passed to `buildApp` as they are. */
  app?: Pick<AppOptions, 'responder' | 'heartbeatIntervalMs' | 'staleReplyMs' | 'resolveHost' | 'presence'>;
  /** Use this data directory (and keep it on close), e.g. to restart on the same SQLite file. */
  dataDirectory?: string;
}

/** Rate limits far above the real ones, for suites that are not about them. */
export const GENEROUS_LIMITS = Object.fromEntries(
  Object.entries(DEFAULT_RATE_LIMITS).map(([name, value]) => [name, value * 1000]),
) as unknown as RateLimits;

export async function createTestApp(options: TestAppOptions = {}): Promise<TestPlatform> {
  const directory = options.dataDirectory ?? mkdtempSync(join(tmpdir(), 'miptech-test-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: directory,
    MIPTECH_DEMO: 'true',
    // The assistant answers only where a test asks for it (`RESPONDER: 'assistant'` or `app.responder`).
    RESPONDER: 'none',
    // Suites register their operators over HTTP, production ones included; the bootstrap tests
    // (cli/tenant-bootstrap.test.ts) set it to false to see the production default.
    OPEN_REGISTRATION: 'true',
    ...options.env,
  });
  config.rateLimits = { ...GENEROUS_LIMITS, ...options.rateLimits };
  const schema = options.postgresUrl ? uniqueSchema('app') : undefined;
  const store: Store =
    options.postgresUrl && schema
      ? new PostgresStore({ connectionString: options.postgresUrl, schema })
      : new SqliteStore({ path: join(directory, 'platform.db') });
  const platform = await buildApp({
    config,
    store,
    // Tests never ask real DNS (the machine may have none): a name resolves only where a test says so.
    resolveHost: offlineResolver,
    ...(options.refreshGraceMs !== undefined ? { refreshGraceMs: options.refreshGraceMs } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...options.app,
  });
  return {
    ...platform,
    config,
    async close() {
      await platform.app.close();
      await store.close();
      if (options.postgresUrl && schema) await dropSchema(options.postgresUrl, schema);
      if (!options.dataDirectory) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A resolver that knows no name: tests that need one pass `app.resolveHost`. */
async function offlineResolver(hostname: string): Promise<string[]> {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (tests resolve no names)`), {
    code: 'ENOTFOUND',
  });
}

/** Headers of a request from the demo tenant. */
export const DEMO = { 'x-tenant-id': DEMO_TENANT_ID } as const;

/** A JWT secret for tests that need production mode or tokens shared by two instances. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has development defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: 'localhost',
      environment: 'development',
      databaseUrl: undefined,
      corsOrigins: [],
      seedDemo: true,
    });
  });

  it('opens first registration in development only, unless OPEN_REGISTRATION says otherwise', () => {
    const secret = { JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({}).openRegistration).toBe(true);
    expect(loadConfig({ OPEN_REGISTRATION: 'false' }).openRegistration).toBe(false);
    expect(loadConfig({ MIPTECH_ENV: 'production', ...secret }).openRegistration).toBe(false);
    expect(
      loadConfig({ MIPTECH_ENV: 'production', OPEN_REGISTRATION: 'true', ...secret }).openRegistration,
    ).toBe(true);
    expect(() => loadConfig({ OPEN_REGISTRATION: 'yes' })).toThrow(/OPEN_REGISTRATION/);
  });

  it('refuses production without a JWT_SECRET of at least 32 characters, and says why', () => {
    for (const secret of [undefined, '', 'short-secret']) {
      expect(() => loadConfig({ MIPTECH_ENV: 'production', JWT_SECRET: secret })).toThrow(
        /JWT_SECRET: production needs a secret of at least 32 characters/,
      );
    }
    const secret = 'x'.repeat(32);
    expect(loadConfig({ MIPTECH_ENV: 'production', JWT_SECRET: secret })).toMatchObject({
      jwtSecret: secret,
      jwtSecretGenerated: false,
    });
    // Development signs with a random key when none is set, and says it did.
    const development = loadConfig({});
    expect(development.jwtSecretGenerated).toBe(true);
    expect(development.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).jwtSecret).not.toBe(development.jwtSecret);
  });

  it('parses and normalises values', () => {
    const config = loadConfig({
      PORT: '9000',
      MIPTECH_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-enough-length-1234',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TRUST_PROXY: '10.0.0.0/8',
      CORS_ORIGINS: 'https://a.example/, https://b.example:8443',
    });
    expect(config).toMatchObject({
      port: 9000,
      environment: 'production',
      seedDemo: false,
      corsOrigins: ['https://a.example', 'https://b.example:8443'],
      redisUrl: 'redis://127.0.0.1:6379',
      trustProxy: '10.0.0.0/8',
    });
    expect(
      loadConfig({ MIPTECH_ENV: 'production', MIPTECH_DEMO: 'true', JWT_SECRET: 'y'.repeat(40) }).seedDemo,
    ).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });

  it('explains every invalid value at once', () => {
    expect(() => loadConfig({ PORT: 'abc', MIPTECH_ENV: 'staging', CORS_ORIGINS: 'ftp://x' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ PORT: 'abc', MIPTECH_ENV: 'staging' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/MIPTECH_ENV/);
    }
  });

  it('reads OUTBOUND_ALLOW (hosts, addresses, CIDR ranges) and refuses a malformed entry', () => {
    expect(loadConfig({}).outboundAllow.hosts.size).toBe(0);
    const { outboundAllow } = loadConfig({ OUTBOUND_ALLOW: 'ollama, 10.0.0.0/8, ::1' });
    expect([...outboundAllow.hosts]).toEqual(['ollama']);
    expect(outboundAllow.ranges).toHaveLength(2);
    expect(() => loadConfig({ OUTBOUND_ALLOW: '10.0.0.0/99' })).toThrow(/OUTBOUND_ALLOW: "10.0.0.0\/99"/);
  });

  it('reads EMBEDDING_*: off by default, the LLM base URL and key only for the same provider without a URL of its own', () => {
    expect(loadConfig({}).embedding).toMatchObject({ provider: 'none', model: undefined, timeoutMs: 3000 });
    const llm = {
      LLM_PROVIDER: 'openai-compatible',
      LLM_BASE_URL: 'http://ollama.lan:11434/v1',
      LLM_MODEL: 'm',
      LLM_API_KEY: 'llm-key',
    };
    expect(
      loadConfig({ ...llm, EMBEDDING_PROVIDER: 'openai-compatible', EMBEDDING_MODEL: 'nomic-embed-text' })
        .embedding,
    ).toMatchObject({ baseUrl: 'http://ollama.lan:11434/v1', apiKey: 'llm-key', model: 'nomic-embed-text' });
    // A URL of its own never receives the LLM's key.
    expect(
      loadConfig({
        ...llm,
        EMBEDDING_PROVIDER: 'openai-compatible',
        EMBEDDING_BASE_URL: 'https://embed.example/v1',
        EMBEDDING_MODEL: 'e',
      }).embedding,
    ).toMatchObject({ baseUrl: 'https://embed.example/v1', apiKey: undefined });
    expect(
      loadConfig({ ...llm, EMBEDDING_PROVIDER: 'openai', EMBEDDING_MODEL: 'e' }).embedding,
    ).toMatchObject({
      baseUrl: undefined,
      apiKey: undefined,
    });
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'openai' })).toThrow(/EMBEDDING_MODEL/);
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'openai-compatible', EMBEDDING_MODEL: 'e' })).toThrow(
      /EMBEDDING_BASE_URL/,
    );
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'cohere' })).toThrow(/EMBEDDING_PROVIDER/);
  });
});

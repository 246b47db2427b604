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

  it('parses and normalises values', () => {
    const config = loadConfig({
      PORT: '9000',
      MIPTECH_ENV: 'production',
      CORS_ORIGINS: 'https://a.example/, https://b.example:8443',
    });
    expect(config).toMatchObject({
      port: 9000,
      environment: 'production',
      seedDemo: false,
      corsOrigins: ['https://a.example', 'https://b.example:8443'],
    });
    expect(loadConfig({ MIPTECH_ENV: 'production', MIPTECH_DEMO: 'true' }).seedDemo).toBe(true);
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
});

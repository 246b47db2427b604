/** The WebSocket limits read from the environment: documented defaults, overrides, bad values refused. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('WebSocket limits from the environment', () => {
  it('default to 100 per IP, 5000 per tenant and 120 handshakes a minute', () => {
    expect(loadConfig({}).rateLimits).toMatchObject({
      socketsPerIp: 100,
      socketsPerTenant: 5000,
      socketHandshakesPerIpPerMinute: 120,
    });
  });

  it('take WS_MAX_CONNECTIONS_PER_IP, WS_MAX_CONNECTIONS_PER_TENANT and WS_HANDSHAKES_PER_IP_PER_MINUTE', () => {
    const config = loadConfig({
      WS_MAX_CONNECTIONS_PER_IP: '7',
      WS_MAX_CONNECTIONS_PER_TENANT: '70',
      WS_HANDSHAKES_PER_IP_PER_MINUTE: '700',
    });
    expect(config.rateLimits).toMatchObject({
      socketsPerIp: 7,
      socketsPerTenant: 70,
      socketHandshakesPerIpPerMinute: 700,
    });
  });

  it('refuse values that are not positive integers, naming the variable', () => {
    expect(() => loadConfig({ WS_MAX_CONNECTIONS_PER_IP: '0' })).toThrow(/WS_MAX_CONNECTIONS_PER_IP/);
    expect(() => loadConfig({ WS_HANDSHAKES_PER_IP_PER_MINUTE: 'many' })).toThrow(
      /WS_HANDSHAKES_PER_IP_PER_MINUTE/,
    );
  });
});

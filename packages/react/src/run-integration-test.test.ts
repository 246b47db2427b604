/**
 * runIntegrationTest in Node against a real platform: the seed's shape, its own socket closed,
 * and failures that say what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIntegrationTest } from './run-integration-test.ts';
import { type ReactTestPlatform, startReactPlatform, TENANT, until } from './testing.ts';

describe('runIntegrationTest', () => {
  let platform: ReactTestPlatform;

  beforeAll(async () => {
    platform = await startReactPlatform();
  });
  afterAll(() => platform?.close());

  it("returns the seed's { apiTest, websocketTest, configTest } and closes the socket it opened", async () => {
    const handshakes = platform.handshakes();
    const result = await runIntegrationTest({ baseUrl: platform.baseUrl, tenantId: TENANT });
    expect(Object.keys(result).sort()).toEqual(['apiTest', 'configTest', 'websocketTest']);
    expect(result).toMatchObject({
      apiTest: { connected: true, status: 200, data: { status: 'healthy' } },
      websocketTest: { connected: true, data: { tenant_id: TENANT } },
      configTest: {
        apiUrl: platform.baseUrl,
        wsUrl: `${platform.baseUrl.replace('http', 'ws')}/api/v1/ws?tenant_id=${TENANT}`,
        tenantId: TENANT,
        hasCorrectPort: true,
        hasCorrectPath: true,
        hasTenant: true,
      },
    });
    expect(platform.handshakes() - handshakes).toBe(1);
    await until('its socket closed', () => platform.openSockets() === 0);
  });

  it('reports an unknown tenant on both checks, and a base URL that includes /api/v1', async () => {
    const wrongTenant = await runIntegrationTest({ baseUrl: platform.baseUrl, tenantId: 'no-such-company' });
    expect(wrongTenant.apiTest).toMatchObject({ connected: false, code: 'tenant_not_found' });
    expect(wrongTenant.apiTest.error).toMatch(/tenantId option/);
    expect(wrongTenant.websocketTest.connected).toBe(false);

    const withPrefix = await runIntegrationTest({ baseUrl: `${platform.baseUrl}/api/v1`, tenantId: TENANT });
    expect(withPrefix.configTest.hasCorrectPath).toBe(false);
    for (const check of [withPrefix.apiTest, withPrefix.websocketTest]) {
      expect(check).toMatchObject({ connected: false, code: 'config_invalid' });
      expect(check.error).toContain(`must not include /api/v1 (the SDK adds it): use ${platform.baseUrl}`);
    }
    const noTenant = await runIntegrationTest({ baseUrl: platform.baseUrl, tenantId: ' ' });
    expect(noTenant.configTest.hasTenant).toBe(false);
    expect(noTenant.apiTest.error).toMatch(/tenantId option/);
    await until('no socket left open', () => platform.openSockets() === 0);
  });

  it('answers within its timeout when nothing listens', async () => {
    const started = Date.now();
    const result = await runIntegrationTest({
      baseUrl: 'http://127.0.0.1:9',
      tenantId: TENANT,
      timeoutMs: 1500,
    });
    expect(result.apiTest.connected).toBe(false);
    expect(result.websocketTest.connected).toBe(false);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestApp({ env: { CORS_ORIGINS: 'https://partner.example' } });
  await platform.store.createTenant({ id: 'acme', name: 'Acme', allowed_origins: ['https://acme.example'] });
  await platform.store.createTenant({ id: 'sleepy', name: 'Sleepy' });
  await platform.store.updateTenant('sleepy', { enabled: false });
});
afterAll(() => platform.close());

const createChat = (headers: Record<string, string>, body: unknown = {}, url = '/api/v1/chat') =>
  platform.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });

describe('tenant resolution', () => {
  it.each([
    ['X-Tenant-ID', { 'x-tenant-id': 'miptech-company' }],
    ['X-Tenant', { 'x-tenant': 'miptech-company' }],
    ['Tenant-ID', { 'tenant-id': 'miptech-company' }],
    ['tenant', { tenant: 'miptech-company' }],
    [
      'all four at once, as the seed sends them',
      {
        'x-tenant-id': 'miptech-company',
        'x-tenant': 'miptech-company',
        'tenant-id': 'miptech-company',
        tenant: 'miptech-company',
      },
    ],
  ])('takes the tenant from %s', async (_name, headers) => {
    const response = await createChat(headers);
    expect(response.statusCode).toBe(200);
    expect(response.json().tenant_id).toBe('miptech-company');
  });

  it('falls back to the tenant_id query parameter', async () => {
    const response = await createChat({}, {}, '/api/v1/chat?tenant_id=acme');
    expect(response.statusCode).toBe(200);
    expect(response.json().tenant_id).toBe('acme');
    const agreeing = await createChat({ 'x-tenant-id': 'acme' }, {}, '/api/v1/chat?tenant_id=acme');
    expect(agreeing.statusCode).toBe(200);
  });

  it('answers a request without a tenant with 400 tenant_missing and the seed-recognised detail', async () => {
    const response = await createChat({});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      detail: 'Tenant ID not found in request',
      code: 'tenant_missing',
      request_id: response.headers['x-request-id'],
    });
  });

  it.each([
    ['an unknown tenant', { 'x-tenant-id': 'nobody-here' }, 404, 'tenant_not_found'],
    ['a disabled tenant', { 'x-tenant-id': 'sleepy' }, 403, 'tenant_disabled'],
    ['a malformed tenant', { 'x-tenant-id': 'Not A Slug!' }, 400, 'tenant_invalid'],
    ['an uppercase tenant', { 'x-tenant-id': 'MIPTECH-COMPANY' }, 400, 'tenant_invalid'],
    [
      'two headers that disagree',
      { 'x-tenant-id': 'miptech-company', 'x-tenant': 'acme' },
      400,
      'tenant_conflict',
    ],
    [
      'a header and a query parameter that disagree',
      { 'x-tenant-id': 'miptech-company' },
      400,
      'tenant_conflict',
      '/api/v1/chat?tenant_id=acme',
    ],
    [
      'a repeated query parameter that disagrees',
      {},
      400,
      'tenant_conflict',
      '/api/v1/chat?tenant_id=acme&tenant_id=miptech-company',
    ],
  ])('refuses %s', async (_name, headers, status, code, url?: string) => {
    const response = await createChat(headers, {}, url);
    expect(response.statusCode).toBe(status);
    expect(response.json().code).toBe(code);
  });

  it('refuses a body that names another tenant, at the top or in context', async () => {
    for (const body of [{ tenant_id: 'acme' }, { context: { tenant_id: 'acme' } }]) {
      const response = await createChat(DEMO, body);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('tenant_conflict');
    }
    expect(
      (await createChat(DEMO, { tenant_id: 'miptech-company', context: { tenant_id: 'miptech-company' } }))
        .statusCode,
    ).toBe(200);
  });

  it('sees a tenant disabled through this process at once', async () => {
    await platform.store.createTenant({ id: 'flicker', name: 'Flicker' });
    expect((await createChat({ 'x-tenant-id': 'flicker' })).statusCode).toBe(200);
    await platform.store.updateTenant('flicker', { enabled: false });
    platform.tenants.invalidate();
    expect((await createChat({ 'x-tenant-id': 'flicker' })).statusCode).toBe(403);
  });
});

describe('CORS', () => {
  const preflight = (origin: string, extra: Record<string, string> = {}) =>
    platform.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/chat',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-tenant-id,x-tenant,tenant-id,tenant,authorization',
        ...extra,
      },
    });

  it('answers a preflight without any tenant, allowing the tenant headers', async () => {
    const response = await preflight('https://acme.example');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://acme.example');
    const allowed = String(response.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['content-type', 'authorization', 'x-tenant-id', 'x-tenant', 'tenant-id', 'tenant'])
      expect(allowed).toContain(header);
  });

  it('echoes an allowed origin exactly, with Vary: Origin, on success and on every kind of error', async () => {
    const origin = 'https://acme.example';
    const responses = await Promise.all([
      createChat({ 'x-tenant-id': 'acme', origin }),
      createChat({ 'x-tenant-id': 'acme', origin }, { session_id: 42 }),
      platform.app.inject({
        method: 'GET',
        url: `/api/v1/chat/${crypto.randomUUID()}`,
        headers: { 'x-tenant-id': 'acme', origin },
      }),
      platform.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: { 'x-tenant-id': 'acme', origin, 'content-type': 'application/json' },
        payload: '{oops',
      }),
      platform.app.inject({
        method: 'GET',
        url: '/api/v1/nothing-here',
        headers: { 'x-tenant-id': 'acme', origin },
      }),
    ]);
    expect(responses.map((response) => response.statusCode)).toEqual([200, 422, 404, 400, 404]);
    for (const response of responses) {
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(response.headers.vary).toContain('Origin');
    }
  });

  it('carries CORS headers when the tenant itself is the error', async () => {
    const response = await createChat({ origin: 'http://localhost:3000' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  it("does not echo one tenant's origin on another tenant's request", async () => {
    const response = await createChat({ 'x-tenant-id': 'miptech-company', origin: 'https://acme.example' });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows CORS_ORIGINS for every tenant and localhost in development', async () => {
    expect(
      (await createChat({ 'x-tenant-id': 'acme', origin: 'https://partner.example' })).headers[
        'access-control-allow-origin'
      ],
    ).toBe('https://partner.example');
    expect(
      (await createChat({ 'x-tenant-id': 'acme', origin: 'http://127.0.0.1:5173' })).headers[
        'access-control-allow-origin'
      ],
    ).toBe('http://127.0.0.1:5173');
  });

  it('never answers *, null, a look-alike origin, or an unknown one', async () => {
    for (const origin of [
      'null',
      'https://acme.example.evil.test',
      'https://evil.test',
      'http://acme.example',
    ]) {
      const response = await preflight(origin);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('does not treat localhost as trusted in production', async () => {
    const production = await createTestApp({
      env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET },
    });
    try {
      const response = await production.app.inject({
        method: 'GET',
        url: '/api/v1/health',
        headers: { origin: 'http://localhost:5173' },
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await production.close();
    }
  });
});

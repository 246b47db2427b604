/**
 * Rate limits through the HTTP API: chats and messages per IP and per visitor, everything per
 * tenant, failed logins per account and per IP; 429 with `Retry-After` and the usual error body.
 * With `REDIS_URL`, two instances count against the same numbers in a real Redis.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimits } from '../config.ts';
import { DEMO_TENANT_ID } from '../tenancy/demo-tenant.ts';
import { findTestRedis } from '../testing/services.ts';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

const PASSWORD = 'correct horse battery staple 42';
const LOGIN_WINDOW_SECONDS = 15 * 60;

const opened: TestPlatform[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((platform) => platform.close()));
});

async function start(
  rateLimits: Partial<RateLimits>,
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  const platform = await createTestApp({ env: { JWT_SECRET: TEST_JWT_SECRET, ...env }, rateLimits });
  opened.push(platform);
  return platform;
}

interface Caller {
  /** Simulated client address (inject's default is 127.0.0.1). */
  ip?: string;
  tenant?: string;
  /** A visitor token, sent as a bearer token. */
  token?: string;
}

function send(
  platform: TestPlatform,
  method: 'GET' | 'POST',
  url: string,
  body: unknown,
  { ip = '127.0.0.1', tenant = DEMO_TENANT_ID, token }: Caller = {},
): Promise<LightMyRequestResponse> {
  const options: InjectOptions = {
    method,
    url,
    remoteAddress: ip,
    headers: {
      'x-tenant-id': tenant,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  };
  return platform.app.inject(options);
}

const startChat = (platform: TestPlatform, caller: Caller = {}) =>
  send(platform, 'POST', '/api/v1/chat', {}, caller);

/** Starts a chat and returns its id and the visitor's token. */
async function newVisitorChat(platform: TestPlatform, caller: Caller = {}) {
  const response = await startChat(platform, caller);
  expect(response.statusCode).toBe(200);
  const chat = response.json<{ id: string; visitor_token: string }>();
  return { chatId: chat.id, token: chat.visitor_token };
}

const postMessage = (platform: TestPlatform, chatId: string, caller: Caller) =>
  send(platform, 'POST', `/api/v1/chat/${chatId}/messages`, { content: 'hello' }, caller);

const register = (platform: TestPlatform, email: string, caller: Caller = {}) =>
  send(platform, 'POST', '/api/v1/auth/register', { email, password: PASSWORD, name: 'Op' }, caller);

const login = (platform: TestPlatform, email: string, password: string, caller: Caller = {}) =>
  send(platform, 'POST', '/api/v1/auth/login', { email, password }, caller);

/** A 429 with `Retry-After` (whole seconds, 1 to `windowSeconds`) and the usual error body. */
function expectRateLimited(response: LightMyRequestResponse, windowSeconds = 60): void {
  expect(response.statusCode, response.body).toBe(429);
  const retryAfter = String(response.headers['retry-after']);
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(windowSeconds);
  expect(response.json()).toEqual({
    detail: expect.stringMatching(/\S/),
    code: 'rate_limited',
    request_id: response.headers['x-request-id'],
  });
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
}

const random = () => Math.floor(Math.random() * 250) + 1;
/** An address no other test run on this machine uses, so counters in the shared Redis stay apart. */
const uniqueIp = () => `10.${random()}.${random()}.${random()}`;

describe('rate limits, in-process counters', () => {
  it('limits chat creation per IP; another IP still starts chats', async () => {
    const platform = await start({ chatsPerIpPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await startChat(platform)).statusCode).toBe(200);
    const refused = await startChat(platform);
    expectRateLimited(refused);
    expect((await startChat(platform, { ip: '203.0.113.7' })).statusCode).toBe(200);
    // The refused address stays refused.
    expect((await startChat(platform)).statusCode).toBe(429);
  });

  it('limits chat creation per visitor; a new visitor from the same IP is unaffected', async () => {
    const platform = await start({ chatsPerVisitorPerMinute: 2 });
    const { token } = await newVisitorChat(platform);
    // The first chat (token-less) did not count for the visitor: two more with the token are allowed.
    expect((await startChat(platform, { token })).statusCode).toBe(200);
    expect((await startChat(platform, { token })).statusCode).toBe(200);
    expectRateLimited(await startChat(platform, { token }));
    expect((await startChat(platform)).statusCode).toBe(200);
  });

  it('limits messages per visitor; another visitor from the same IP still posts', async () => {
    const platform = await start({ messagesPerVisitorPerMinute: 2, messagesPerIpPerMinute: 100 });
    const first = await newVisitorChat(platform);
    const second = await newVisitorChat(platform);
    expect((await postMessage(platform, first.chatId, { token: first.token })).statusCode).toBe(200);
    expect((await postMessage(platform, first.chatId, { token: first.token })).statusCode).toBe(200);
    expectRateLimited(await postMessage(platform, first.chatId, { token: first.token }));
    expect((await postMessage(platform, second.chatId, { token: second.token })).statusCode).toBe(200);
    // Only the limited visitor's messages were refused: two stored, nothing from the third attempt.
    const page = await send(platform, 'GET', `/api/v1/chat/${first.chatId}/messages`, undefined, {
      token: first.token,
    });
    expect(page.json().items.filter((message: { role: string }) => message.role === 'user')).toHaveLength(2);
  });

  it('limits messages per IP across visitors; another IP still posts', async () => {
    const platform = await start({ messagesPerIpPerMinute: 2, messagesPerVisitorPerMinute: 100 });
    const visitors = [
      await newVisitorChat(platform),
      await newVisitorChat(platform),
      await newVisitorChat(platform),
    ];
    const [a, b, c] = visitors as [(typeof visitors)[0], (typeof visitors)[0], (typeof visitors)[0]];
    expect((await postMessage(platform, a.chatId, { token: a.token })).statusCode).toBe(200);
    expect((await postMessage(platform, b.chatId, { token: b.token })).statusCode).toBe(200);
    expectRateLimited(await postMessage(platform, c.chatId, { token: c.token }));
    expect((await postMessage(platform, c.chatId, { token: c.token, ip: '203.0.113.9' })).statusCode).toBe(
      200,
    );
  });

  it('limits every request per tenant; another tenant is unaffected', async () => {
    const platform = await start({ tenantPerMinute: 5 });
    await platform.store.createTenant({ id: 'tenant-b', name: 'B' });
    const { chatId, token } = await newVisitorChat(platform); // 1
    expect((await send(platform, 'GET', `/api/v1/chat/${chatId}`, undefined, { token })).statusCode).toBe(
      200,
    ); // 2
    expect((await postMessage(platform, chatId, { token })).statusCode).toBe(200); // 3
    // Different addresses do not escape the tenant's limit.
    expect((await startChat(platform, { ip: '203.0.113.1' })).statusCode).toBe(200); // 4
    expect((await startChat(platform, { ip: '203.0.113.2' })).statusCode).toBe(200); // 5
    expectRateLimited(await startChat(platform, { ip: '203.0.113.3' }));
    expectRateLimited(await send(platform, 'GET', `/api/v1/chat/${chatId}`, undefined, { token }));
    for (let i = 0; i < 5; i++) {
      expect((await startChat(platform, { tenant: 'tenant-b' })).statusCode).toBe(200);
    }
    expectRateLimited(await startChat(platform, { tenant: 'tenant-b' }));
  });

  it('locks an account after too many failed logins, even for the right password; others still log in', async () => {
    const platform = await start({ loginFailuresPerAccount: 3, loginFailuresPerIp: 100 });
    expect((await register(platform, 'owner@example.com')).statusCode).toBe(200);
    expect((await register(platform, 'agent@example.com')).statusCode).toBe(200);
    expect((await login(platform, 'owner@example.com', PASSWORD)).statusCode).toBe(200);
    // A success does not count; failures do, whatever the case of the email.
    for (const email of ['owner@example.com', 'OWNER@example.com', 'Owner@Example.com']) {
      const failed = await login(platform, email, 'wrong password, sorry');
      expect(failed.statusCode).toBe(401);
      expect(failed.json().code).toBe('invalid_credentials');
    }
    const locked = await login(platform, 'owner@example.com', PASSWORD);
    expectRateLimited(locked, LOGIN_WINDOW_SECONDS);
    expect(locked.json()).not.toHaveProperty('access_token');
    // The lock-out holds: refused attempts do not lift it.
    expectRateLimited(await login(platform, 'owner@example.com', PASSWORD), LOGIN_WINDOW_SECONDS);
    expect((await login(platform, 'agent@example.com', PASSWORD)).statusCode).toBe(200);
    // From another address too, the account stays locked.
    expectRateLimited(
      await login(platform, 'owner@example.com', PASSWORD, { ip: '203.0.113.5' }),
      LOGIN_WINDOW_SECONDS,
    );
  });

  it("lets a browser that signed in before (its refresh cookie) log in with the right password while strangers' failures lock the account", async () => {
    const platform = await start({ loginFailuresPerAccount: 3, loginFailuresPerIp: 3 });
    const registered = await register(platform, 'owner@example.com', { ip: '203.0.113.80' });
    const cookie = registered.cookies.find((item) => item.name === 'miptech_refresh')?.value ?? '';
    expect(cookie).not.toBe('');
    const fromDevice = (password: string, refresh = cookie, ip = '203.0.113.80') =>
      platform.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        headers: { 'x-tenant-id': DEMO_TENANT_ID },
        cookies: { miptech_refresh: refresh },
        payload: { email: 'owner@example.com', password },
      });
    // A stranger fails three times, from the owner's own address (a shared office NAT) too.
    for (let i = 0; i < 3; i++) {
      expect(
        (await login(platform, 'owner@example.com', 'wrong password, sorry', { ip: '203.0.113.80' }))
          .statusCode,
      ).toBe(401);
    }
    expectRateLimited(
      await login(platform, 'owner@example.com', PASSWORD, { ip: '198.51.100.80' }),
      LOGIN_WINDOW_SECONDS,
    );
    // A made-up or another account's cookie is no way around the lock.
    expectRateLimited(await fromDevice(PASSWORD, 'made-up-token'), LOGIN_WINDOW_SECONDS);
    const colleague = await register(platform, 'agent@example.com', { ip: '198.51.100.81' });
    const colleagueCookie = colleague.cookies.find((item) => item.name === 'miptech_refresh')?.value;
    expectRateLimited(await fromDevice(PASSWORD, colleagueCookie), LOGIN_WINDOW_SECONDS);
    // The owner's browser still gets in with the right password.
    const mine = await fromDevice(PASSWORD);
    expect(mine.statusCode, mine.body).toBe(200);
    // That device has its own limit: a thief holding the cookie does not get endless guesses.
    const nextCookie = mine.cookies.find((item) => item.name === 'miptech_refresh')?.value ?? '';
    for (let i = 0; i < 3; i++)
      expect((await fromDevice('wrong password, sorry', nextCookie)).statusCode).toBe(401);
    expectRateLimited(await fromDevice(PASSWORD, nextCookie), LOGIN_WINDOW_SECONDS);
  });

  it('locks an unknown email like a known one, so a 429 tells nothing about who has an account', async () => {
    const platform = await start({ loginFailuresPerAccount: 3, loginFailuresPerIp: 100 });
    for (let i = 0; i < 3; i++) {
      expect((await login(platform, 'nobody@example.com', PASSWORD)).statusCode).toBe(401);
    }
    expectRateLimited(await login(platform, 'nobody@example.com', PASSWORD), LOGIN_WINDOW_SECONDS);
  });

  it('limits failed logins per IP across accounts, unknown emails and wrong passwords alike', async () => {
    const platform = await start({ loginFailuresPerAccount: 100, loginFailuresPerIp: 4 });
    expect((await register(platform, 'owner@example.com', { ip: '203.0.113.20' })).statusCode).toBe(200);
    expect((await login(platform, 'nobody-1@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await login(platform, 'owner@example.com', 'wrong password, sorry')).statusCode).toBe(401);
    expect((await login(platform, 'nobody-2@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await login(platform, 'nobody-3@example.com', PASSWORD)).statusCode).toBe(401);
    // Four failures from 127.0.0.1: the next attempt is refused, even with the right password.
    expectRateLimited(await login(platform, 'owner@example.com', PASSWORD), LOGIN_WINDOW_SECONDS);
    expectRateLimited(await login(platform, 'nobody-4@example.com', PASSWORD), LOGIN_WINDOW_SECONDS);
    expect((await login(platform, 'owner@example.com', PASSWORD, { ip: '203.0.113.21' })).statusCode).toBe(
      200,
    );
    const elsewhere = await login(platform, 'nobody-4@example.com', PASSWORD, { ip: '203.0.113.21' });
    expect(elsewhere.statusCode).toBe(401);
  });

  it('limits register, login and refresh per IP', async () => {
    const platform = await start({ authPerIpPerMinute: 2 });
    expect((await register(platform, 'owner@example.com')).statusCode).toBe(200);
    expect((await login(platform, 'owner@example.com', PASSWORD)).statusCode).toBe(200);
    expectRateLimited(await send(platform, 'POST', '/api/v1/auth/refresh', { refresh_token: 'x' }));
    expect((await login(platform, 'owner@example.com', PASSWORD, { ip: '203.0.113.30' })).statusCode).toBe(
      200,
    );
  });
});

/** Registers the owner (from its own address) and returns a way to call `/auth/me` as them. */
async function ownerOf(platform: TestPlatform, caller: Caller) {
  const registered = await register(platform, 'owner@example.com', caller);
  expect(registered.statusCode, registered.body).toBe(200);
  const { access_token } = registered.json<{ access_token: string }>();
  return () => send(platform, 'GET', '/api/v1/auth/me', undefined, { ...caller, token: access_token });
}

describe('a fair tenant budget: one client cannot spend it for everyone', () => {
  it('a flood refused by the per-IP auth limit spends none of the tenant budget', async () => {
    const platform = await start({ tenantPerMinute: 20, tenantPerIpPerMinute: 20, authPerIpPerMinute: 3 });
    const me = await ownerOf(platform, { ip: '203.0.113.40' }); // tenant: 1
    const flood = { ip: '198.51.100.7' };
    const answers = [];
    for (let i = 0; i < 60; i++)
      answers.push(await send(platform, 'POST', '/api/v1/auth/refresh', {}, flood));
    // Three reach the route (no token: 401); the rest are refused by the address's auth limit.
    expect(answers.filter((answer) => answer.statusCode === 401)).toHaveLength(3); // tenant: 4
    expect(answers.filter((answer) => answer.statusCode === 429)).toHaveLength(57);
    // Had the 57 refusals spent the tenant's 20, everyone below would get 429.
    expect((await startChat(platform, { ip: '203.0.113.41' })).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(200);
    expect((await login(platform, 'owner@example.com', PASSWORD, { ip: '203.0.113.42' })).statusCode).toBe(
      200,
    );
  });

  it('one address spends at most its share of the tenant budget; another visitor and the owner still get through', async () => {
    const platform = await start({ tenantPerMinute: 20, tenantPerIpPerMinute: 5 });
    const me = await ownerOf(platform, { ip: '203.0.113.50' }); // tenant: 1
    const flood = { ip: '198.51.100.8' };
    const { chatId, token } = await newVisitorChat(platform, flood); // tenant: 2, share: 1
    // Reading a chat has no narrower limit of its own: only the share stops this client.
    const answers = [];
    for (let i = 0; i < 40; i++) {
      answers.push(await send(platform, 'GET', `/api/v1/chat/${chatId}`, undefined, { ...flood, token }));
    }
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(4); // tenant: 6
    const refused = answers.find((answer) => answer.statusCode === 429);
    expectRateLimited(refused as LightMyRequestResponse);
    expect(refused?.json().detail).toMatch(/this address/);
    expect((await startChat(platform, { ip: '203.0.113.51' })).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(200);
  });

  it('many addresses together still meet the tenant budget (the limit of this guarantee)', async () => {
    const platform = await start({ tenantPerMinute: 6, tenantPerIpPerMinute: 2 });
    const statuses = [];
    for (let i = 1; i <= 8; i++)
      statuses.push((await startChat(platform, { ip: `203.0.113.${60 + i}` })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it('a client whose connection is gone is counted under one shared key, not failed with a 500', async () => {
    const { ipOf } = await import('./rate-limits.ts');
    expect(ipOf({ ip: undefined as unknown as string })).toBe('unknown-address');
    expect(ipOf({ ip: '203.0.113.70' })).toBe('203.0.113.70');
    expect(ipOf({ ip: '2001:db8:1:2:3:4:5:6' })).toBe(ipOf({ ip: '2001:db8:1:2:ffff::1' }));
  });
});

const redisUrl = await findTestRedis();

describe.skipIf(!redisUrl)('rate limits, counters in Redis shared by two instances', () => {
  const url = redisUrl ?? '';
  const tenant = `rl-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const ips: string[] = [];
  let redis: Redis;

  const ip = () => {
    const address = uniqueIp();
    ips.push(address);
    return address;
  };

  /** An instance serving `tenant`, counting in Redis (or in-process when `shared` is false). */
  async function instance(rateLimits: Partial<RateLimits>, shared = true): Promise<TestPlatform> {
    const platform = await start(rateLimits, shared ? { REDIS_URL: url } : {});
    await platform.store.createTenant({ id: tenant, name: 'Rate-limit test' });
    return platform;
  }

  async function scanKeys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 })) {
      found.push(...(keys as string[]));
    }
    return found;
  }

  /** Keys this run wrote: every one names the run's tenant or one of its addresses. */
  async function keysOfThisRun(): Promise<string[]> {
    const patterns = [`miptech:rate:*${tenant}*`, ...ips.map((address) => `miptech:rate:*:${address}`)];
    const found = await Promise.all(patterns.map(scanKeys));
    return [...new Set(found.flat())];
  }

  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await keysOfThisRun();
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('two instances share the chat-creation counter: the limit holds at max + 1 across them', async () => {
    const limits = { chatsPerIpPerMinute: 4 };
    const one = await instance(limits);
    const two = await instance(limits);
    const address = ip();
    const caller = { ip: address, tenant };
    for (const platform of [one, two, one, two]) {
      expect((await startChat(platform, caller)).statusCode).toBe(200);
    }
    expectRateLimited(await startChat(one, caller));
    expectRateLimited(await startChat(two, caller));
    const [key] = (await keysOfThisRun()).filter((name) => name.endsWith(`chat-ip:${address}`));
    expect(key).toMatch(/^miptech:rate:/);
    // One counter in Redis, incremented by both instances: four allowed, two refused.
    expect(Number(await redis.get(key as string))).toBe(6);
    expect(await redis.pttl(key as string)).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await startChat(two, { ip: ip(), tenant })).statusCode).toBe(200);
  });

  it('two instances share the per-address share of the tenant budget; another client still gets through', async () => {
    const limits = { tenantPerMinute: 40, tenantPerIpPerMinute: 4 };
    const one = await instance(limits);
    const two = await instance(limits);
    const flood = { ip: ip(), tenant };
    const statuses = [];
    for (const platform of [one, two, one, two, one, two])
      statuses.push((await startChat(platform, flood)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await startChat(one, { ip: ip(), tenant })).statusCode).toBe(200);
    expect((await startChat(two, { ip: ip(), tenant })).statusCode).toBe(200);
  });

  it('without Redis, each instance counts on its own (so Redis is what shares them)', async () => {
    const limits = { chatsPerIpPerMinute: 4 };
    const one = await instance(limits, false);
    const two = await instance(limits, false);
    const caller = { ip: ip(), tenant };
    for (let i = 0; i < 4; i++) {
      expect((await startChat(one, caller)).statusCode).toBe(200);
      expect((await startChat(two, caller)).statusCode).toBe(200);
    }
    expectRateLimited(await startChat(one, caller));
    expectRateLimited(await startChat(two, caller));
  });

  it('login failures counted on one instance lock the account on the other', async () => {
    const limits = { loginFailuresPerAccount: 3, loginFailuresPerIp: 100 };
    const one = await instance(limits);
    const two = await instance(limits);
    const email = 'owner@example.com';
    // Each instance has its own database here, so the account is registered in both.
    for (const platform of [one, two]) {
      expect((await register(platform, email, { ip: ip(), tenant })).statusCode).toBe(200);
    }
    expect((await login(two, email, PASSWORD, { ip: ip(), tenant })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await login(one, email, 'wrong password, sorry', { ip: ip(), tenant })).statusCode).toBe(401);
    }
    expectRateLimited(await login(two, email, PASSWORD, { ip: ip(), tenant }), LOGIN_WINDOW_SECONDS);
    expectRateLimited(await login(one, email, PASSWORD, { ip: ip(), tenant }), LOGIN_WINDOW_SECONDS);
  });

  it('without Redis, login failures on one instance do not lock the account on the other', async () => {
    const limits = { loginFailuresPerAccount: 3, loginFailuresPerIp: 100 };
    const one = await instance(limits, false);
    const two = await instance(limits, false);
    const email = 'owner@example.com';
    for (const platform of [one, two]) {
      expect((await register(platform, email, { tenant })).statusCode).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      expect((await login(one, email, 'wrong password, sorry', { tenant })).statusCode).toBe(401);
    }
    expectRateLimited(await login(one, email, PASSWORD, { tenant }), LOGIN_WINDOW_SECONDS);
    expect((await login(two, email, PASSWORD, { tenant })).statusCode).toBe(200);
  });
});

describe('rate limits when Redis is unreachable', () => {
  it('fails open: requests are served, not refused nor answered with 500', async () => {
    // Nothing listens on this port; the counters' commands fail at once (no offline queue).
    const platform = await start({ chatsPerIpPerMinute: 1 }, { REDIS_URL: 'redis://127.0.0.1:6390' });
    const began = Date.now();
    expect((await startChat(platform)).statusCode).toBe(200);
    expect((await startChat(platform)).statusCode).toBe(200);
    expect(Date.now() - began).toBeLessThan(2000);
  });
});

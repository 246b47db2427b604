/**
 * The user's own API client (`src/services/miptechApi.js` of the seed document), run unchanged
 * against a real server on a real port. It is the client the platform was built for, so it must
 * work as written: same headers, same paths (trailing slash included), same fields read back.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../packages/server/src/testing/test-app.ts';
import { seedBlock } from './support/seed-document.ts';

const SEED_DOCUMENT = join(import.meta.dirname, '../../shared/seeds/000_93c44b7478328821.txt');
const FIXTURE = join(import.meta.dirname, 'fixtures/seed/src/services/miptechApi.js');
const PAGE_URL = 'http://localhost:3000/';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The seed client's environment: its `.env` with the debugging flags the seed document recommends. */
const SEED_ENVIRONMENT = {
  REACT_APP_MIPTECH_TENANT_ID: 'miptech-company',
  REACT_APP_ENABLE_ENDPOINT_DISCOVERY: 'true',
  REACT_APP_ENABLE_MULTI_HEADER_AUTH: 'true',
};

/** The public methods of the seed client this test calls, as the seed's JavaScript defines them. */
interface SeedClient {
  testConnection(): Promise<{ connected: boolean; status?: number; endpoint?: string; data?: unknown }>;
  createChat(sessionId: string, visitorId: string): Promise<Record<string, unknown>>;
  sendMessage(chatId: string, content: string): Promise<Record<string, unknown>>;
  getChatHistory(chatId: string): Promise<{ items: Array<Record<string, unknown>>; total: number }>;
}

describe('the seed API client (src/services/miptechApi.js), unchanged', () => {
  let platform: TestPlatform;
  let baseUrl: string;
  let seedClient: SeedClient;

  beforeAll(async () => {
    platform = await createTestApp();
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('The server is not listening on TCP');
    baseUrl = `http://127.0.0.1:${address.port}`;

    // The seed reads its configuration when the module is imported, so set it before the import.
    const environment = { ...SEED_ENVIRONMENT, REACT_APP_MIPTECH_API_URL: baseUrl };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    // The browser globals the seed reads when it builds a chat's context; Node has `navigator` already.
    vi.stubGlobal('window', { location: { href: PAGE_URL } });
    vi.stubGlobal('document', { referrer: '' });
    // The seed logs every success and failure; the assertions below say what matters.
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});

    // Imported by URL: the fixture is plain JavaScript without types, and must stay untouched.
    const module = (await import(pathToFileURL(FIXTURE).href)) as { default: SeedClient };
    seedClient = module.default;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    await platform?.close();
  });

  it.skipIf(!existsSync(SEED_DOCUMENT))('is byte for byte the block of the seed document', () => {
    const fromSeed = seedBlock(readFileSync(SEED_DOCUMENT, 'utf8'), '### 1. MIPTech API Client');
    expect(readFileSync(FIXTURE, 'utf8')).toBe(fromSeed);
  });

  it('connects, starts a chat, sends a message and reads the history back', async () => {
    const connection = await seedClient.testConnection();
    expect(connection).toMatchObject({ connected: true, status: 200, data: { status: 'healthy' } });

    const chat = await seedClient.createChat('session_x', 'visitor_x');
    expect(chat).toMatchObject({ session_id: 'session_x', visitor_id: 'visitor_x' });
    expect(chat.id).toEqual(expect.stringMatching(UUID_PATTERN));
    expect(chat.chat_id).toBe(chat.id);
    const chatId = String(chat.id);

    // A receipt without `content`: the seed's useChat would show any `content` as a reply.
    const message = await seedClient.sendMessage(chatId, 'Hello from the seed client');
    expect(message).toMatchObject({ chat_id: chatId, role: 'user', seq: 1 });
    expect(message).not.toHaveProperty('content');

    const history = await seedClient.getChatHistory(chatId);
    expect(history).toMatchObject({ total: 1, has_more: false });
    expect(history.items).toEqual([
      expect.objectContaining({ id: message.id, content: 'Hello from the seed client' }),
    ]);

    // The context the seed sends from the browser globals is what the chat keeps.
    const stored = await platform.app.inject({ url: `/api/v1/chat/${chatId}`, headers: DEMO });
    expect(stored.statusCode).toBe(200);
    expect(stored.json().context).toMatchObject({ page_url: PAGE_URL, tenant_id: 'miptech-company' });
  });

  it('passes Test 1 and Test 2 of the seed testing plan', async () => {
    // Test 1: curl -H "X-Tenant-ID: miptech-company" http://localhost:8000/api/v1/health
    const health = await fetch(`${baseUrl}/api/v1/health`, { headers: { 'X-Tenant-ID': 'miptech-company' } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });

    // Test 2: the same request and body as the curl command of the plan.
    const created = await fetch(`${baseUrl}/api/v1/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Tenant-ID': 'miptech-company' },
      body: '{"session_id":"test_session_123","visitor_id":"test_visitor_123","title":"Test Chat","tenant_id":"miptech-company"}',
    });
    expect(created.status).toBe(200);
    const body = (await created.json()) as { chat_id: unknown };
    expect(body.chat_id).toEqual(expect.stringMatching(UUID_PATTERN));
  });
});

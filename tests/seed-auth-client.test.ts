/**
 * The user's own authentication client (`src/services/authClient.js` of the seed's Phase 2), run
 * unchanged against a real server in production mode: register, profile, a refresh triggered by
 * a 401, login, logout. Its shape (`access_token`, `refresh_token`, `user`) is the API's shape.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestApp,
  TEST_JWT_SECRET,
  type TestPlatform,
} from '../packages/server/src/testing/test-app.ts';
import { seedBlock } from './support/seed-document.ts';

const SEED_DOCUMENT = join(import.meta.dirname, '../../shared/seeds/003_744f3edd6d05ff30.txt');
const FIXTURE = join(import.meta.dirname, 'fixtures/seed/src/services/authClient.js');
const TENANT = 'miptech-company';

/** What the test uses of the seed's class. */
interface SeedAuthClient {
  accessToken: string | null;
  refreshToken: string | null;
  user: { email: string; role: string } | null;
  isAuthenticated(): boolean;
  register(userData: Record<string, unknown>): Promise<{ user: { role: string } }>;
  login(email: string, password: string): Promise<unknown>;
  getProfile(): Promise<{ email: string }>;
  authenticatedRequest(endpoint: string, options?: RequestInit): Promise<Response>;
  logout(): Promise<void>;
}

describe('the seed auth client (src/services/authClient.js), unchanged', () => {
  let platform: TestPlatform;
  let baseUrl: string;
  let AuthClient: new (apiUrl: string, tenantId: string) => SeedAuthClient;
  const storage = new Map<string, string>();

  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('The server is not listening on TCP');
    baseUrl = `http://127.0.0.1:${address.port}`;
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, String(value)),
      removeItem: (key: string) => void storage.delete(key),
    });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    AuthClient = ((await import(pathToFileURL(FIXTURE).href)) as { default: typeof AuthClient }).default;
  });

  afterAll(async () => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    await platform?.close();
  });

  it.skipIf(!existsSync(SEED_DOCUMENT))('is byte for byte the block of the seed document', () => {
    expect(readFileSync(FIXTURE, 'utf8')).toBe(
      seedBlock(readFileSync(SEED_DOCUMENT, 'utf8'), '#### 2.1 Create Complete Authentication Client'),
    );
  });

  it('registers, reads the profile, refreshes on a 401, logs in and out', async () => {
    const client = new AuthClient(baseUrl, TENANT);
    const registered = await client.register({
      email: 'seed@miptech.example',
      password: 'correct horse battery staple 42',
    });
    expect(registered.user.role).toBe('owner');
    expect(client.isAuthenticated()).toBe(true);
    expect(storage.get('miptech_access_token')).toBe(client.accessToken);

    expect((await client.getProfile()).email).toBe('seed@miptech.example');

    // An expired access token: the client's 401 handling refreshes and retries.
    const staleRefresh = client.refreshToken;
    client.accessToken = 'expired-or-garbage';
    const chats = await client.authenticatedRequest('/api/v1/chats');
    expect(chats.status).toBe(200);
    expect(client.refreshToken).not.toBe(staleRefresh);

    const loggedIn = new AuthClient(baseUrl, TENANT);
    await loggedIn.login('seed@miptech.example', 'correct horse battery staple 42');
    const accessToken = loggedIn.accessToken;
    await loggedIn.logout();
    expect(loggedIn.isAuthenticated()).toBe(false);
    expect(storage.has('miptech_access_token')).toBe(false);
    // The server ended that session: its access token no longer works.
    const after = await fetch(`${baseUrl}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${accessToken}`, 'x-tenant-id': TENANT },
    });
    expect(after.status).toBe(401);
  });
});

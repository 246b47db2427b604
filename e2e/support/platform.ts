/** A platform on a real port for browser tests: the built-in assistant, the demo tenant, the web build. */
import { createTestApp, DEMO, type TestPlatform } from '../../packages/server/src/testing/test-app.ts';

export interface BrowserPlatform extends TestPlatform {
  /** `http://localhost:<port>`: a loopback origin the demo tenant allows in development. */
  url: string;
  /** The chat's messages as stored. */
  stored(chatId: string): Promise<Array<{ seq: number; role: string; content: string; status: string }>>;
}

/** `env` adds to the platform's environment (e.g. `OUTBOUND_ALLOW` for a page served by the test). */
export async function startBrowserPlatform(env: Record<string, string> = {}): Promise<BrowserPlatform> {
  const platform = await createTestApp({ env: { RESPONDER: 'assistant', ...env } });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return {
    ...platform,
    url: `http://localhost:${address.port}`,
    async stored(chatId) {
      const response = await platform.app.inject({
        url: `/api/v1/chat/${chatId}/messages?limit=200`,
        headers: DEMO,
      });
      return response.json().items;
    },
  };
}

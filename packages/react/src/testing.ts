/**
 * Test helpers for this package's suites (not exported): a real platform that also counts the
 * sockets open on its side, the controller options the tests share, and fetches that count or fail.
 */
import { type ChatControllerOptions, memoryStorage, SessionStore } from '@miptech/client';
import { type ListeningPlatform, startPlatform, until } from '../../client/src/testing.ts';

export { until };

export const TENANT = 'miptech-company';

/** A real platform on a port, which counts the sockets open on its side (`openSockets()`). */
export type ReactTestPlatform = ListeningPlatform;
export const startReactPlatform = startPlatform;

/** Options for a controller on `platform`, with a session of its own and quick reconnects. */
export function controllerOptions(
  platform: ListeningPlatform,
  extra: Partial<ChatControllerOptions> = {},
): ChatControllerOptions {
  return {
    baseUrl: platform.baseUrl,
    tenantId: TENANT,
    ready: false,
    backoff: { initialMs: 20, maxMs: 200 },
    session: new SessionStore({ tenantId: TENANT, storage: memoryStorage() }),
    ...extra,
  };
}

/** A `fetch` that counts the chats it created (`POST /api/v1/chat`). */
export function chatCountingFetch(): { fetch: typeof fetch; chatsCreated: () => number } {
  let created = 0;
  return {
    chatsCreated: () => created,
    fetch: (async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/api/v1/chat') && response.ok) created += 1;
      return response;
    }) as typeof fetch,
  };
}

/** A `fetch` whose first message post fails like a dead network; everything else goes through. */
export function failingOnceFetch(): { fetch: typeof fetch; failures: () => number } {
  let failures = 0;
  return {
    failures: () => failures,
    fetch: ((input, init) => {
      if (failures === 0 && init?.method === 'POST' && String(input).endsWith('/messages')) {
        failures += 1;
        return Promise.reject(new TypeError('fetch failed'));
      }
      return fetch(input, init);
    }) as typeof fetch,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

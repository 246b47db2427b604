/**
 * Test helpers for the SDK's suites (not exported from the package): a platform on a real port
 * with a streaming scripted assistant, and a network a test can cut.
 */
import type { Duplex } from 'node:stream';
import { ScriptedResponder } from '../../server/src/assistant/scripted-responder.ts';
import { createTestApp, type TestAppOptions, type TestPlatform } from '../../server/src/testing/test-app.ts';

export interface ListeningPlatform extends TestPlatform {
  baseUrl: string;
  /** Drops every open WebSocket from the server's side, as a network failure would. */
  dropSockets(): number;
  /** WebSocket handshakes the server has seen so far. */
  handshakes(): number;
  /** WebSockets open on the server's side right now. */
  openSockets(): number;
}

export async function startPlatform(options: TestAppOptions = {}): Promise<ListeningPlatform> {
  const platform = await createTestApp({
    app: { responder: new ScriptedResponder({ delayMs: 10 }) },
    ...options,
  });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  // The TCP connections under the WebSockets, to cut them as a failing network would (no close frame).
  const upgraded = new Set<Duplex>();
  let handshakes = 0;
  platform.app.server.on('upgrade', (_request, socket: Duplex) => {
    handshakes += 1;
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  return {
    ...platform,
    baseUrl: `http://127.0.0.1:${address.port}`,
    handshakes: () => handshakes,
    openSockets: () => upgraded.size,
    dropSockets() {
      const count = upgraded.size;
      for (const socket of upgraded) socket.destroy();
      return count;
    },
  };
}

/** A `fetch` that fails like a dead network while `down` is true. */
export function cuttableFetch(): { fetch: typeof fetch; down: boolean } {
  const network: { fetch: typeof fetch; down: boolean } = {
    down: false,
    fetch: ((input, init) =>
      network.down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)) as typeof fetch,
  };
  return network;
}

/** Polls `check` until it returns true. */
export async function until(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

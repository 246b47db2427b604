/**
 * The user's own WebSocket client (`src/services/websocketManager.js` of the seed document), run
 * unchanged against a real server on a real port, with Node's global `WebSocket` standing in for
 * the browser's. It must work as written: its URL, its `auth` frame, the event names it emits
 * (`data.type`), and the `chat_message` frame whose `message` the seed's `useChat` reads. A plain
 * WebSocket on `/api/v1/ws/chat`, as a page would open one, gets the same frames.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScriptedResponder } from '../packages/server/src/assistant/scripted-responder.ts';
import { createTestApp, DEMO, type TestPlatform } from '../packages/server/src/testing/test-app.ts';
import { seedBlock } from './support/seed-document.ts';

// The seed imports `uuid` (a dependency of the seed's React app, not of this repository): the
// fixture stays byte for byte the seed's, and the test provides the one function it uses.
vi.mock('uuid', () => ({ v4: () => randomUUID() }));

const SEED_DOCUMENT = join(import.meta.dirname, '../../shared/seeds/000_93c44b7478328821.txt');
const FIXTURE = join(import.meta.dirname, 'fixtures/seed/src/services/websocketManager.js');
const PAGE_URL = 'http://localhost:3000/';
const TENANT = 'miptech-company';

type Frame = Record<string, unknown>;

/** The public surface of the seed's WebSocketManager this test uses, as its JavaScript defines it. */
interface SeedWebSocketManager {
  ws: WebSocket | null;
  isConnected: boolean;
  reconnectTimeout: ReturnType<typeof setTimeout> | null;
  connect(sessionId: string, endpointOverride?: string | null): void;
  disconnect(): void;
  send(data: unknown): boolean;
  testConnection(): Promise<{ success: boolean; endpoint?: string; results: Array<Record<string, unknown>> }>;
  on(event: string, callback: (data: unknown) => void): void;
  off(event: string, callback: (data: unknown) => void): void;
}

/** Waits until `check` returns something, polling; fails with `what` after the timeout. */
async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the seed WebSocket manager (src/services/websocketManager.js), unchanged', () => {
  let platform: TestPlatform;
  let httpBase: string;
  let wsBase: string;
  let manager: SeedWebSocketManager;

  const createChat = async (body: Record<string, unknown>) => {
    const response = await fetch(`${httpBase}/api/v1/chat`, {
      method: 'POST',
      headers: { ...DEMO, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; session_id: string };
  };

  const postMessage = async (chatId: string, content: string) => {
    const response = await fetch(`${httpBase}/api/v1/chat/${chatId}/messages`, {
      method: 'POST',
      headers: { ...DEMO, 'content-type': 'application/json' },
      body: JSON.stringify({ content }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; seq: number; content: string };
  };

  beforeAll(async () => {
    platform = await createTestApp({ app: { responder: new ScriptedResponder({ delayMs: 1 }) } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('The server is not listening on TCP');
    httpBase = `http://127.0.0.1:${address.port}`;
    wsBase = `ws://127.0.0.1:${address.port}`;

    // The seed reads its configuration when the module is imported, so set it before the import.
    const environment = { REACT_APP_MIPTECH_WS_URL: wsBase, REACT_APP_MIPTECH_TENANT_ID: TENANT };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    // The browser global the seed reads in its `auth` frame; Node has `navigator` and `WebSocket`.
    vi.stubGlobal('window', { location: { href: PAGE_URL } });
    // The seed logs every frame; the assertions below say what matters.
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});

    // Imported by URL: the fixture is plain JavaScript without types, and must stay untouched.
    const module = (await import(pathToFileURL(FIXTURE).href)) as { default: SeedWebSocketManager };
    manager = module.default;
  });

  afterAll(async () => {
    manager?.disconnect();
    if (manager?.reconnectTimeout) clearTimeout(manager.reconnectTimeout);
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    await platform?.close();
  });

  it.skipIf(!existsSync(SEED_DOCUMENT))('is byte for byte the block of the seed document', () => {
    const fromSeed = seedBlock(
      readFileSync(SEED_DOCUMENT, 'utf8'),
      '**File**: `src/services/websocketManager.js`',
    );
    expect(readFileSync(FIXTURE, 'utf8')).toBe(fromSeed);
  });

  it("connects, authenticates, joins its session's newest chat and receives the reply, not its own message", async () => {
    // As the seed's useChat does: start the chat over REST, then connect with its session.
    const sessionId = `session_${randomUUID()}`;
    const chat = await createChat({ session_id: sessionId, visitor_id: 'visitor_ws' });

    const events: Array<{ event: string; data: Frame }> = [];
    const record = (event: string) => (data: unknown) => events.push({ event, data: data as Frame });
    const eventNames = ['connected', 'connection_established', 'auth_ok', 'joined', 'chat_message', 'error'];
    const listeners = eventNames.map((event) => [event, record(event)] as const);
    for (const [event, listener] of listeners) manager.on(event, listener);
    const seen = (event: string, match: (data: Frame) => boolean = () => true) =>
      eventually(
        `the "${event}" event`,
        () => events.find((entry) => entry.event === event && match(entry.data))?.data,
      );

    manager.connect(sessionId);
    expect(manager.ws?.url).toBe(`${wsBase}/api/v1/ws?tenant_id=${TENANT}&session_id=${sessionId}`);

    expect(await seen('connected')).toEqual({ sessionId, tenantId: TENANT });
    expect(await seen('connection_established')).toMatchObject({
      tenant_id: TENANT,
      session_id: sessionId,
      protocol_version: '1',
      principal: 'anonymous',
    });
    // The seed's first frame: `auth` with tenant, session, user agent and page; answered in kind.
    expect(await seen('auth_ok')).toMatchObject({ tenant_id: TENANT, session_id: sessionId });
    // The gateway joined the session's chat for it.
    expect(await seen('joined')).toMatchObject({ chat_id: chat.id, seq: 0, recovered: true });

    const posted = await postMessage(chat.id, 'Hello over REST');
    const delivered = await seen('chat_message', (data) => data.chat_id === chat.id);
    // What the seed's useChat reads: `data.message`, spread into its message list. The visitor's
    // own message is not echoed to a session-only socket (its page shows it already): the first
    // chat_message is the complete reply.
    expect(delivered).toMatchObject({
      type: 'chat_message',
      chat_id: chat.id,
      seq: posted.seq + 1,
      message: { role: 'assistant', status: 'complete', content: 'You said: Hello over REST' },
    });
    expect((delivered.message as Frame).metadata).toMatchObject({ in_reply_to: posted.id });
    const messagesSeen = events.filter((entry) => entry.event === 'chat_message');
    expect(messagesSeen.map((entry) => (entry.data.message as Frame).role)).toEqual(['assistant']);
    expect(events.filter((entry) => entry.event === 'error')).toEqual([]);
    for (const [event, listener] of listeners) manager.off(event, listener);
  });

  it("finds /api/v1/ws working with the seed's endpoint discovery", async () => {
    const result = await manager.testConnection();
    expect(result).toMatchObject({ success: true, endpoint: '/api/v1/ws' });
    expect(result.results[0]).toMatchObject({ endpoint: '/api/v1/ws', success: true });
  });

  it('disconnects on request', async () => {
    const closes: Frame[] = [];
    const onDisconnected = (data: unknown) => closes.push(data as Frame);
    manager.on('disconnected', onDisconnected);
    manager.disconnect();
    expect(manager.isConnected).toBe(false);
    expect(await eventually('the "disconnected" event', () => closes[0])).toMatchObject({
      code: 1000,
      reason: 'Manual disconnect',
    });
    // The seed schedules a reconnect on every close, a requested one included: cancel it.
    if (manager.reconnectTimeout) clearTimeout(manager.reconnectTimeout);
    manager.off('disconnected', onDisconnected);
  });

  it('delivers chat_message frames to a plain browser WebSocket on /api/v1/ws/chat', async () => {
    const chat = await createChat({ session_id: `session_${randomUUID()}` });
    const frames: Frame[] = [];
    const socket = new WebSocket(`${wsBase}/api/v1/ws/chat?tenant_id=${TENANT}&chat_id=${chat.id}`);
    socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as Frame));
    const frame = (type: string, match: (frame: Frame) => boolean = () => true) =>
      eventually(`a "${type}" frame`, () => frames.find((item) => item.type === type && match(item)));

    expect(await frame('connection_established')).toMatchObject({ tenant_id: TENANT, session_id: null });
    expect(await frame('joined')).toMatchObject({ chat_id: chat.id, seq: 0, recovered: true });

    const first = await postMessage(chat.id, 'first');
    const second = await postMessage(chat.id, 'second');
    // A socket that names its chat gets the visitor's own messages too (each with its reply).
    const delivered = await eventually('both messages', () => {
      const messages = frames.filter(
        (item) => item.type === 'chat_message' && (item.message as Frame).role === 'user',
      );
      return messages.length >= 2 ? messages : undefined;
    });
    expect(delivered).toEqual([
      expect.objectContaining({
        chat_id: chat.id,
        seq: first.seq,
        message: expect.objectContaining({ id: first.id, content: 'first' }),
      }),
      expect.objectContaining({
        chat_id: chat.id,
        seq: second.seq,
        message: expect.objectContaining({ id: second.id, content: 'second' }),
      }),
    ]);

    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
    socket.close(1000);
    expect((await closed).code).toBe(1000);
  });
});

/**
 * Property-based fuzzing of the WebSocket gateway over real sockets. Whatever frames a client
 * sends (random text, random JSON, objects with a real or made-up `type`, valid frames with wrong
 * field types, huge numbers, deep nesting, real and fake chat ids, binary frames), the server must
 * answer bad frames with `error` frames (a string `code` and `detail`, never `internal_error`),
 * keep the connection open, keep serving new connections and HTTP, and not leak memory. The only
 * closes are the documented ones: 1009 for a frame over 64 KiB and 4429 for a flood, each tested
 * on purpose. Runs against SQLite always and PostgreSQL when one answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isErrorCode } from '@miptech/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ScriptedResponder } from '../assistant/scripted-responder.ts';
import { findTestPostgres } from '../testing/services.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { MAX_FRAME_BYTES } from './gateway.ts';

/** Random frames per backend, each followed by a `ping` whose `pong` says the frame was handled. */
const RUNS = 250;
/** Sockets the frames are spread over, round robin. */
const SOCKETS = 8;
/**
 * Least time between two runs on one socket: two frames (the fuzz frame and its ping) per 110 ms
 * stays under the 20 frames per second a connection may send, so no frame is refused for rate.
 */
const MIN_RUN_INTERVAL_MS = 110;
/** Heap growth tolerated across the fuzz run: generous, since only a real leak should trip it. */
const MAX_HEAP_GROWTH = 48 * 1024 * 1024;

const TENANT = DEMO['x-tenant-id'];
const OTHER_TENANT = 'frame-fuzz-other-company';
const FRAME_TYPES = ['auth', 'join', 'leave', 'message', 'typing', 'viewing', 'stop', 'ping'] as const;
/** Error codes only the WebSocket gateway uses (the REST registry has no frame). */
const SOCKET_ONLY_CODES = new Set(['invalid_frame']);

type Frame = Record<string, unknown>;

/** A socket that records frames and closes, paced so it never trips the rate limit. */
class FuzzSocket {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  /** Frames not yet checked. */
  pending: Frame[] = [];
  /** Text the server sent that is not a JSON object with a `type`. */
  malformed: string[] = [];
  closed: { code: number; reason: string } | undefined;
  lastRunAt = 0;
  #waiters: Array<() => void> = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    this.socket.on('message', (data, isBinary) => {
      const text = data.toString();
      try {
        const frame = JSON.parse(text) as unknown;
        if (isBinary || !frame || typeof frame !== 'object' || typeof (frame as Frame).type !== 'string') {
          this.malformed.push(text.slice(0, 200));
        } else {
          this.pending.push(frame as Frame);
        }
      } catch {
        this.malformed.push(text.slice(0, 200));
      }
      this.#wake();
    });
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The first pending frame that matches; fails on timeout or when the socket closes first. */
  async waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.pending.find(match);
      if (found) return found;
      if (this.closed)
        throw new Error(`closed with ${this.closed.code} ${this.closed.reason} before the frame came`);
      if (Date.now() > deadline) {
        throw new Error(`no matching frame; pending ${JSON.stringify(this.pending.map((f) => f.type))}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  send(data: string | Buffer): void {
    this.socket.send(data, { binary: typeof data !== 'string' });
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.
// ---------------------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates included (they travel as `\uD800` escapes in JSON). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyCodeUnitText = fc.string({ unit: anyCodeUnit, maxLength: 40 });
const trickyText = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '💬'.repeat(10),
  '__proto__',
  'constructor',
  'null',
  '<script>alert(1)</script>',
  "'; DROP TABLE chats; --",
  'a'.repeat(4000),
  'a'.repeat(4001),
);
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), anyCodeUnitText, trickyText);
const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: anyCodeUnit });
const hugeNumber = fc.constantFrom(
  2 ** 31,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  -1,
  -0,
  0.5,
  Number.MIN_VALUE,
);
/** A value of any kind, for a field that expects another. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  anyJson,
  hugeNumber,
  fc.dictionary(
    fc.constantFrom('toString', 'valueOf', 'toJSON', '__proto__', 'constructor', 'type'),
    anyJson,
    {
      minKeys: 1,
      maxKeys: 3,
    },
  ),
);
/** Chat ids: the joined chat, another real one, another tenant's, made-up ones, broken ones. */
function chatIdArbitrary(chats: { joined: string; other: string; foreign: string }): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(chats.joined) },
    { weight: 2, arbitrary: fc.constant(chats.other) },
    { weight: 1, arbitrary: fc.constant(chats.foreign) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('', 'a'.repeat(129), '../x', '\u0000') },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** Frames of every type with plausible fields, so most get past validation to the handlers. */
function validishFrame(chatId: fc.Arbitrary<unknown>): fc.Arbitrary<Frame> {
  const seq = fc.oneof(fc.nat({ max: 50 }), hugeNumber);
  return fc.oneof(
    fc.record(
      {
        type: fc.constant('auth'),
        data: fc.record(
          {
            tenant_id: fc.oneof(fc.constant(TENANT), fc.constant(OTHER_TENANT), text),
            session_id: text,
            token: fc.oneof(text, fc.constant('eyJhbGciOiJIUzI1NiJ9.e30.x')),
            user_agent: text,
            page_url: text,
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      { type: fc.constant('join'), chat_id: chatId, since_seq: seq, stream: fc.boolean() },
      { requiredKeys: ['type', 'chat_id'] },
    ),
    fc.record({ type: fc.constant('leave'), chat_id: chatId }),
    fc.record(
      {
        type: fc.constant('message'),
        chat_id: chatId,
        content: fc.oneof(
          { weight: 3, arbitrary: fc.lorem({ maxCount: 6 }) },
          { weight: 2, arbitrary: text },
        ),
        client_message_id: fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/),
          fc.constantFrom('same', 'again'),
        ),
        metadata: fc.dictionary(fc.oneof(fc.string(), anyCodeUnitText), anyJson, { maxKeys: 3 }),
      },
      { requiredKeys: ['type', 'chat_id', 'content'] },
    ),
    fc.record({ type: fc.constant('typing'), chat_id: chatId, is_typing: fc.boolean() }),
    fc.record({ type: fc.constant('viewing'), chat_id: chatId, is_viewing: fc.boolean() }),
    fc.record({ type: fc.constant('stop'), chat_id: chatId }),
    fc.record(
      { type: fc.constant('ping'), ts: fc.oneof(fc.integer(), hugeNumber) },
      { requiredKeys: ['type'] },
    ),
  );
}

/** A valid-looking frame with one field (or the type) replaced by a value of another kind. */
function wrongTypedFrame(chatId: fc.Arbitrary<unknown>): fc.Arbitrary<Frame> {
  return fc.tuple(validishFrame(chatId), fc.nat(), hostileValue).map(([frame, pick, value]) => {
    const keys = Object.keys(frame);
    const key = keys[pick % keys.length] ?? 'type';
    return { ...frame, [key]: value };
  });
}

/** Objects with a real or made-up `type` and random fields. */
const randomTypedObject = fc.record({
  type: fc.oneof(
    fc.constantFrom(...FRAME_TYPES),
    fc.constantFrom('dance', 'AUTH', 'chat_message', 'ack'),
    text,
    anyJson,
  ),
  fields: fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('chat_id', 'data', 'since_seq', 'content')),
    hostileValue,
    {
      maxKeys: 4,
    },
  ),
});

/** Nesting far deeper than any walk of the value survives, within the frame limit. Built as text. */
function deeplyNested(realChatId: string): fc.Arbitrary<string> {
  return fc
    .record({
      // Unbiased: the interesting depths are the large ones. At most 32000 levels of `[]` (2 bytes
      // each) or 10000 of `{"a":}` (6 bytes each) keeps the frame under 64 KiB.
      depth: fc.noBias(fc.integer({ min: 1, max: 32_000 })),
      arrays: fc.boolean(),
      where: fc.constantFrom('metadata', 'auth', 'ping', 'top'),
    })
    .map(({ depth, arrays, where }) => {
      const objects = Math.ceil(depth / 3.2);
      const nested = arrays
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(objects)}1${'}'.repeat(objects)}`;
      switch (where) {
        case 'metadata':
          return `{"type":"message","chat_id":"${realChatId}","content":"deep","metadata":{"a":${nested}}}`;
        case 'auth':
          return `{"type":"auth","data":{"tenant_id":"${TENANT}","extra":${nested}}}`;
        case 'ping':
          return `{"type":"ping","extra":${nested}}`;
        default:
          return nested;
      }
    });
}

/** What one run sends: a text frame or a binary one. */
type FuzzFrame = { data: string | Buffer };

function frameArbitrary(chats: { joined: string; other: string; foreign: string }): fc.Arbitrary<FuzzFrame> {
  const chatId = chatIdArbitrary(chats);
  const asText = (arbitrary: fc.Arbitrary<unknown>) =>
    arbitrary.map((value) => JSON.stringify(value) ?? 'undefined');
  const frame: fc.Arbitrary<string | Buffer> = fc.oneof(
    { weight: 2, arbitrary: text },
    { weight: 2, arbitrary: asText(fc.jsonValue()) },
    {
      weight: 2,
      arbitrary: randomTypedObject.map(({ type, fields }) => JSON.stringify({ ...fields, type })),
    },
    { weight: 6, arbitrary: asText(validishFrame(chatId)) },
    { weight: 3, arbitrary: asText(wrongTypedFrame(chatId)) },
    { weight: 1, arbitrary: deeplyNested(chats.joined) },
    // Truncated JSON: a valid frame cut anywhere.
    {
      weight: 1,
      arbitrary: fc
        .tuple(asText(validishFrame(chatId)), fc.nat())
        .map(([json, cut]) => json.slice(0, cut % (json.length + 1))),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)) },
  );
  return frame.map((data) =>
    Object.assign(
      { data },
      {
        [fc.toStringMethod]: () =>
          typeof data === 'string'
            ? JSON.stringify(data.length > 300 ? `${data.slice(0, 300)}… (${data.length} chars)` : data)
            : `<binary ${data.length} bytes>`,
      },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------------------

/** Throws (through `expect`) when a frame from the server breaks the contract. */
function checkFrames(socket: FuzzSocket, sent: string): void {
  // Taken out first, so a failing run does not fail the next one (and shrinking) again.
  const frames = socket.pending.splice(0);
  const malformed = socket.malformed.splice(0);
  expect(malformed, `the server sent frames that are not JSON objects with a type, after ${sent}`).toEqual(
    [],
  );
  expect(socket.closed, `the connection closed after ${sent}`).toBeUndefined();
  for (const frame of frames) {
    if (frame.type !== 'error') continue;
    const where = `${JSON.stringify(frame).slice(0, 300)} after ${sent}`;
    expect(typeof frame.code, where).toBe('string');
    expect(typeof frame.detail, where).toBe('string');
    expect(
      isErrorCode(frame.code) || SOCKET_ONLY_CODES.has(String(frame.code)),
      `unknown code: ${where}`,
    ).toBe(true);
    expect(frame.code, `a client's frame caused an internal error: ${where}`).not.toBe('internal_error');
    expect(frame.code, `refused for rate although paced: ${where}`).not.toBe('rate_limited');
    if ('chat_id' in frame) expect(typeof frame.chat_id, where).toBe('string');
  }
}

/** Collects garbage (see `http/fuzz.test.ts`): V8 accepts `--expose-gc` at run time for new contexts. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function describeFrameFuzz(
  backend: string,
  openPlatform: () => Promise<TestPlatform>,
  available = true,
): void {
  describe.skipIf(!available)(`random frames to the WebSocket gateway (${backend})`, () => {
    let platform: TestPlatform;
    let base: string;
    let chats: { joined: string; other: string; foreign: string };

    const open = async (query: string) => {
      const socket = new FuzzSocket(`${base}/api/v1/ws?${query}`);
      await socket.opened;
      await socket.waitFor((frame) => frame.type === 'connection_established');
      return socket;
    };

    beforeAll(async () => {
      platform = await openPlatform();
      await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const address = platform.app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      base = `ws://127.0.0.1:${address.port}`;
      await platform.store.createTenant({ id: OTHER_TENANT, name: 'Frame Fuzz Other Company' });
      const newChat = async (tenant: string) =>
        (
          await platform.app.inject({
            method: 'POST',
            url: '/api/v1/chat',
            headers: { 'x-tenant-id': tenant },
          })
        ).json().id as string;
      chats = {
        joined: await newChat(TENANT),
        other: await newChat(TENANT),
        foreign: await newChat(OTHER_TENANT),
      };
    });

    afterAll(async () => {
      await platform?.close();
    });

    it('answers every frame, keeps every connection open, and keeps memory bounded', async () => {
      const sockets: FuzzSocket[] = [];
      for (let index = 0; index < SOCKETS; index++) {
        // Half join the chat from the URL (some streaming), the rest start with no chat joined.
        const query =
          index % 2 === 0
            ? `tenant_id=${TENANT}&chat_id=${chats.joined}${index % 4 === 0 ? '&stream=true' : ''}`
            : `tenant_id=${TENANT}&session_id=fuzz-${index}`;
        sockets.push(await open(query));
      }
      collectGarbage();
      const before = process.memoryUsage().heapUsed;

      let run = 0;
      await fc.assert(
        fc.asyncProperty(frameArbitrary(chats), async ({ data }) => {
          const index = run % SOCKETS;
          // A socket the server closed failed its run already; shrinking goes on with a fresh one.
          if (sockets[index]?.closed)
            sockets[index] = await open(`tenant_id=${TENANT}&chat_id=${chats.joined}`);
          const socket = sockets[index] as FuzzSocket;
          const ts = ++run;
          const wait = socket.lastRunAt + MIN_RUN_INTERVAL_MS - Date.now();
          if (wait > 0) await sleep(wait);
          socket.lastRunAt = Date.now();
          socket.send(data);
          // Frames are handled in order: the pong means the fuzz frame has been answered.
          socket.send(JSON.stringify({ type: 'ping', ts }));
          const sent =
            typeof data === 'string' ? JSON.stringify(data.slice(0, 200)) : `<binary ${data.length}>`;
          await socket
            .waitFor((frame) => frame.type === 'pong' && frame.ts === ts)
            .catch((error: Error) => {
              throw new Error(`no pong after ${sent}: ${error.message}`);
            });
          checkFrames(socket, sent);
        }),
        { numRuns: RUNS },
      );

      // Replies the fuzz started end within a second or two; then every socket closes normally.
      await sleep(500);
      for (const socket of sockets) {
        checkFrames(socket, 'the fuzz run');
        socket.socket.close(1000);
      }
      await Promise.all(
        sockets.map((socket) => new Promise((resolve) => socket.socket.once('close', resolve))),
      );
      for (const socket of sockets) socket.pending = [];
      collectGarbage();
      const growth = process.memoryUsage().heapUsed - before;
      expect(growth, `heap grew by ${Math.round(growth / 1024)} KiB`).toBeLessThan(MAX_HEAP_GROWTH);
    });

    it(`closes with 1009 on a frame over ${MAX_FRAME_BYTES} bytes, and not on one of exactly that size`, async () => {
      const socket = await open(`tenant_id=${TENANT}&chat_id=${chats.joined}`);
      // The largest frame accepted: answered (its content is over the field's limit), not closed.
      const prefix = `{"type":"message","chat_id":"${chats.joined}","content":"`;
      const largest = `${prefix}${'a'.repeat(MAX_FRAME_BYTES - prefix.length - 2)}"}`;
      expect(Buffer.byteLength(largest)).toBe(MAX_FRAME_BYTES);
      socket.send(largest);
      expect(await socket.waitFor((frame) => frame.type === 'error')).toMatchObject({
        code: 'invalid_frame',
        detail: expect.stringContaining('content'),
      });
      expect(socket.closed).toBeUndefined();

      socket.send(`${prefix}${'a'.repeat(70 * 1024)}"}`);
      await expect.poll(() => socket.closed, { timeout: 5000 }).toMatchObject({ code: 1009 });
    });

    it('closes a flooding connection with 4429 after answering the excess with rate_limited errors', async () => {
      const socket = await open(`tenant_id=${TENANT}`);
      for (let index = 0; index < 250; index++) socket.send(JSON.stringify({ type: 'ping', ts: index }));
      await expect.poll(() => socket.closed, { timeout: 5000 }).toMatchObject({ code: 4429 });
      const pongs = socket.pending.filter((frame) => frame.type === 'pong');
      const refused = socket.pending.filter((frame) => frame.type === 'error');
      // The burst (60 frames, plus what refilled meanwhile) is served; the rest is refused.
      expect(pongs.length).toBeGreaterThanOrEqual(60);
      expect(pongs.length).toBeLessThan(100);
      expect(refused.length).toBeGreaterThan(100);
      for (const frame of refused)
        expect(frame).toMatchObject({ code: 'rate_limited', detail: expect.any(String) });
    });

    it('still greets new connections and answers HTTP afterwards', async () => {
      const socket = new FuzzSocket(`${base}/api/v1/ws?tenant_id=${TENANT}&chat_id=${chats.joined}`);
      await socket.opened;
      // Sent before the greeting: kept and handled in order after it.
      socket.send(JSON.stringify({ type: 'ping', ts: 42 }));
      const hello = await socket.waitFor((frame) => frame.type === 'connection_established');
      expect(hello).toMatchObject({ tenant_id: TENANT, protocol_version: '1' });
      expect(await socket.waitFor((frame) => frame.type === 'pong')).toMatchObject({ ts: 42 });
      expect(socket.pending[0]?.type).toBe('connection_established');
      await socket.waitFor((frame) => frame.type === 'joined');
      socket.socket.close(1000);

      const health = await fetch(`${base.replace('ws:', 'http:')}/api/v1/health`, { headers: DEMO });
      expect(health.status).toBe(200);
    });
  });
}

describeFrameFuzz('SQLite', () =>
  createTestApp({ app: { responder: new ScriptedResponder({ delayMs: 1 }) } }),
);

const postgresUrl = await findTestPostgres();
describeFrameFuzz(
  'PostgreSQL',
  () => createTestApp({ postgresUrl, app: { responder: new ScriptedResponder({ delayMs: 1 }) } }),
  postgresUrl !== undefined,
);

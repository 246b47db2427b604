/**
 * The platform as operators run it: a real `node main.ts` process on a real port, killed, signalled
 * and restarted on the same data, and the CLI with its exit codes. None of this is visible through
 * `app.inject()`: durability across a crash, graceful shutdown, what a shell script sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Chat, ErrorBody, Message, MessagePage } from '@miptech/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID as DEMO_TENANT } from '../packages/server/src/tenancy/demo-tenant.ts';
import {
  dropSchema,
  findTestPostgres,
  uniqueSchema,
  withPostgresClient,
} from '../packages/server/src/testing/services.ts';
import {
  exitWithin,
  logRecords,
  type PlatformEnvironment,
  RawHttpConnection,
  type RunningPlatform,
  runCli,
  spawnPlatform,
  startPlatform,
  stopAllPlatforms,
  within,
} from './support/spawn-platform.ts';

/** Longest a signalled server may take to exit: the server's own grace period. */
const SHUTDOWN_LIMIT_MS = 10_000;

/** Per-test limit: each test starts one to three servers, about a second each on a slow machine. */
const PROCESS_TEST_TIMEOUT_MS = 45_000;

// Asked once at load, so that `skipIf` can report the PostgreSQL case as skipped instead of passing it.
const postgresUrl = await findTestPostgres();

const temporaryDirectories: string[] = [];

function makeDataDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-process-'));
  temporaryDirectories.push(directory);
  return directory;
}

afterEach(async () => {
  // Kill first: a server still writing into a directory would race its removal.
  await stopAllPlatforms();
  for (const directory of temporaryDirectories.splice(0)) {
    rmSync(directory, { recursive: true, force: true });
  }
});

interface ApiResponse<Body> {
  status: number;
  headers: Headers;
  body: Body;
}

/** One JSON request to a running platform, as a tenant (the demo tenant unless told). */
async function callApi<Body>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { tenant?: string; body?: unknown } = {},
): Promise<ApiResponse<Body>> {
  const headers: Record<string, string> = { 'x-tenant-id': options.tenant ?? DEMO_TENANT };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: parseBody(await response.text()) as Body,
  };
}

/** JSON when the text is JSON; the text itself otherwise, so a failure message shows what came back. */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function createChat(baseUrl: string, tenant = DEMO_TENANT): Promise<string> {
  const response = await callApi<Chat>(baseUrl, 'POST', '/api/v1/chat', {
    tenant,
    body: { session_id: 's1', visitor_id: 'v1' },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.id;
}

/** Message number N always has the content "message N" and the idempotency key "c-N". */
function postMessage(baseUrl: string, chatId: string, number: number): Promise<ApiResponse<Message>> {
  return callApi<Message>(baseUrl, 'POST', `/api/v1/chat/${chatId}/messages`, {
    body: { content: `message ${number}`, client_message_id: `c-${number}` },
  });
}

async function listMessages(baseUrl: string, chatId: string): Promise<MessagePage> {
  const response = await callApi<MessagePage>(baseUrl, 'GET', `/api/v1/chat/${chatId}/messages?limit=200`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** 1, 2, …, count. */
function oneTo(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

/** Waits until the process has logged a record with this `msg`; fails with its output otherwise. */
async function waitForLog(platform: RunningPlatform, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!logRecords(platform.stdout()).some((record) => record.msg === message)) {
    if (Date.now() > deadline) {
      throw new Error(
        `No "${message}" log within ${timeoutMs} ms:\n${platform.stdout()}\n${platform.stderr()}`,
      );
    }
    await sleep(20);
  }
}

/** The store the server reported in its "listening" line: proves which database a test really ran against. */
function storeKindOf(platform: RunningPlatform): unknown {
  return logRecords(platform.stdout()).find((record) => typeof record.url === 'string')?.store;
}

/**
 * A POST whose headers the server has read and routed while its body is still unsent. `Expect:
 * 100-continue` makes the server say when it has the headers: Node answers "100 Continue" just
 * before it hands the request to Fastify, so after `headersRouted` the request is certainly in flight.
 */
function openRequestAwaitingBody(baseUrl: string, path: string, body: unknown) {
  const payload = JSON.stringify(body);
  const request = httpRequest(new URL(path, baseUrl), {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-tenant-id': DEMO_TENANT,
      expect: '100-continue',
    },
  });
  const headersRouted = new Promise<void>((resolve, reject) => {
    request.once('continue', () => resolve());
    request.once('error', reject);
  });
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        text += chunk;
      });
      incoming.once('error', reject);
      incoming.once('end', () => resolve({ status: incoming.statusCode ?? 0, body: parseBody(text) }));
    });
  });
  // Marked as handled here; each test awaits (or expects the rejection of) what it cares about.
  headersRouted.catch(() => {});
  response.catch(() => {});
  request.flushHeaders();
  return {
    headersRouted,
    response,
    sendBody(): Promise<{ status: number; body: unknown }> {
      request.end(payload);
      return response;
    },
  };
}

/**
 * Posts 20 messages, kills the server with SIGKILL (no shutdown code runs), restarts it on the same
 * data and checks that every acknowledged message survived, in order, and that idempotency survived too.
 */
async function expectAcknowledgedMessagesToSurviveKill(
  environment: PlatformEnvironment,
  store: 'sqlite' | 'postgres',
): Promise<void> {
  const first = await startPlatform(environment);
  expect(storeKindOf(first)).toBe(store);
  const chatId = await createChat(first.url);
  const acknowledged: Message[] = [];
  for (const number of oneTo(20)) {
    const response = await postMessage(first.url, chatId, number);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    acknowledged.push(response.body);
  }
  // At once, with no pause: a 200 must mean "committed", not "committed soon".
  first.child.kill('SIGKILL');
  expect(await exitWithin(first, SHUTDOWN_LIMIT_MS)).toEqual({ code: null, signal: 'SIGKILL' });

  const second = await startPlatform(environment);
  const page = await listMessages(second.url, chatId);
  expect(page.total).toBe(20);
  expect(page.items.map((message) => message.seq)).toEqual(oneTo(20));
  expect(page.items.map((message) => message.content)).toEqual(
    oneTo(20).map((number) => `message ${number}`),
  );
  expect(page.items.map((message) => message.id)).toEqual(acknowledged.map((message) => message.id));

  // The idempotency key is stored with the message, so a client retrying across the crash gets the original.
  const replay = await postMessage(second.url, chatId, 5);
  expect(replay.status, JSON.stringify(replay.body)).toBe(200);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toMatchObject({ id: acknowledged[4]?.id, seq: 5, content: 'message 5' });
  const afterReplay = await listMessages(second.url, chatId);
  expect(afterReplay.total).toBe(20);
  expect(afterReplay.items).toHaveLength(20);
}

/** A connection string whose sessions use `schema` (pg reads `options` from the query string). */
function urlWithSearchPath(baseUrl: string, schema: string): string {
  const separator = baseUrl.includes('?') ? '&' : '?';
  return `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

describe('restart after kill -9', () => {
  it(
    'keeps every acknowledged message and idempotency key in SQLite',
    async () => {
      const environment = { dataDirectory: makeDataDirectory() };
      await expectAcknowledgedMessagesToSurviveKill(environment, 'sqlite');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it.skipIf(!postgresUrl)(
    'keeps every acknowledged message and idempotency key in PostgreSQL',
    async () => {
      const baseUrl = postgresUrl as string;
      // Lowercase, so the unquoted name in search_path means the same schema as the quoted one here.
      const schema = uniqueSchema('process');
      // Configured by URL, the store is given no schema option, so its migrate() does not create one.
      await withPostgresClient(baseUrl, (client) => client.query(`CREATE SCHEMA "${schema}"`));
      try {
        const databaseUrl = urlWithSearchPath(baseUrl, schema);
        await expectAcknowledgedMessagesToSurviveKill(
          { dataDirectory: makeDataDirectory(), databaseUrl },
          'postgres',
        );
        // The rows are in the fresh schema, so the search_path from the URL really took effect.
        const count = await withPostgresClient(baseUrl, (client) =>
          client.query<{ count: number }>(`SELECT count(*)::int AS count FROM "${schema}".messages`),
        );
        expect(count.rows[0]?.count).toBe(20);
      } finally {
        // Servers hold connections into the schema; stop them before dropping it.
        await stopAllPlatforms();
        await dropSchema(baseUrl, schema);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('graceful shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s logs "shutting down" and exits 0 within the grace period',
    async (signal) => {
      const platform = await startPlatform({ dataDirectory: makeDataDirectory() });
      const chatId = await createChat(platform.url);
      const responses = await Promise.all([
        callApi(platform.url, 'GET', '/api/v1/health'),
        postMessage(platform.url, chatId, 1),
        postMessage(platform.url, chatId, 2),
        callApi(platform.url, 'GET', `/api/v1/chat/${chatId}/messages`),
      ]);
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);

      platform.child.kill(signal);
      expect(await exitWithin(platform, SHUTDOWN_LIMIT_MS)).toEqual({ code: 0, signal: null });
      const records = logRecords(platform.stdout());
      expect(records).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal }));
      // pino's level 50 is "error": a clean shutdown (store closed after the server) logs none.
      expect(records.filter((record) => Number(record.level) >= 50)).toEqual([]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'finishes a request that is in flight when SIGTERM arrives, and keeps its message',
    async () => {
      const dataDirectory = makeDataDirectory();
      const platform = await startPlatform({ dataDirectory });
      const chatId = await createChat(platform.url);

      const inFlight = openRequestAwaitingBody(platform.url, `/api/v1/chat/${chatId}/messages`, {
        content: 'sent during shutdown',
        client_message_id: 'in-flight',
      });
      await within(inFlight.headersRouted, 10_000, '100 Continue from the server');
      platform.child.kill('SIGTERM');
      // Only once the server is draining does the body go out: the request spans the signal.
      await waitForLog(platform, 'shutting down');
      const response = await within(inFlight.sendBody(), 10_000, 'the in-flight response');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ seq: 1, content: 'sent during shutdown' });
      expect(await exitWithin(platform, SHUTDOWN_LIMIT_MS)).toEqual({ code: 0, signal: null });

      const restarted = await startPlatform({ dataDirectory });
      const page = await listMessages(restarted.url, chatId);
      expect(page.items.map((message) => message.client_message_id)).toEqual(['in-flight']);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'finishes a request whose headers are still arriving when SIGTERM lands',
    async () => {
      const platform = await startPlatform({ dataDirectory: makeDataDirectory() });
      const chatId = await createChat(platform.url);
      const connection = await RawHttpConnection.open(platform.url);
      try {
        // One write: a complete health check, pipelined with the first line of a POST. When the health
        // answer is back, the server has read that first line too, so the connection is busy with a
        // request (not idle, which shutdown may close) when the signal lands.
        connection.write(
          `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nPOST /api/v1/chat/${chatId}/messages HTTP/1.1\r\n`,
        );
        expect((await connection.nextResponse()).status).toBe(200);
        platform.child.kill('SIGTERM');
        await waitForLog(platform, 'shutting down');

        const body = JSON.stringify({ content: 'split by the signal', client_message_id: 'split' });
        connection.write(
          [
            'Host: 127.0.0.1',
            'Content-Type: application/json',
            `X-Tenant-ID: ${DEMO_TENANT}`,
            `Content-Length: ${Buffer.byteLength(body)}`,
            '',
            body,
          ].join('\r\n'),
        );
        const response = await connection.nextResponse();
        // Served, not shed with a 503: the client had sent it before the signal.
        expect(response.status, response.body).toBe(200);
        expect(JSON.parse(response.body)).toMatchObject({ seq: 1, client_message_id: 'split' });
        expect(await exitWithin(platform, SHUTDOWN_LIMIT_MS)).toEqual({ code: 0, signal: null });
      } finally {
        connection.close();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'answers concurrent writes hit by SIGTERM with 200 or no response at all, and loses none it acknowledged',
    async () => {
      const dataDirectory = makeDataDirectory();
      const platform = await startPlatform({ dataDirectory });
      const chatId = await createChat(platform.url);

      type Outcome = { number: number } & (
        | { answered: true; status: number; message: Message }
        | { answered: false; failure: string }
      );
      const attempts: Array<Promise<Outcome>> = oneTo(20).map((number) =>
        postMessage(platform.url, chatId, number).then(
          (response): Outcome => ({
            number,
            answered: true,
            status: response.status,
            message: response.body,
          }),
          (error: Error & { cause?: { code?: string } }): Outcome => ({
            number,
            answered: false,
            failure: error.cause?.code ?? error.message,
          }),
        ),
      );
      // Signalling before any request reached the server would only show that a closed port refuses
      // connections; after the first answer, the others are at every stage from connecting to committing.
      await Promise.race(attempts);
      platform.child.kill('SIGTERM');
      const outcomes = await Promise.all(attempts);
      expect(await exitWithin(platform, SHUTDOWN_LIMIT_MS)).toEqual({ code: 0, signal: null });

      // "No response" is safe for a client: it retries with the same key. A 5xx would mean the server
      // took the request and then failed it.
      const noResponse = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'];
      for (const outcome of outcomes) {
        if (outcome.answered) expect(outcome.status, JSON.stringify(outcome)).toBe(200);
        else expect(noResponse, JSON.stringify(outcome)).toContain(outcome.failure);
      }
      const acknowledged = outcomes.flatMap((outcome) => (outcome.answered ? [outcome.message] : []));
      expect(acknowledged.length).toBeGreaterThan(0);

      const restarted = await startPlatform({ dataDirectory });
      const stored = (await listMessages(restarted.url, chatId)).items;
      // Contiguous seqs: an interrupted write left no gap and no half-written row.
      expect(stored.map((message) => message.seq)).toEqual(oneTo(stored.length));
      const storedIds = stored.map((message) => message.id);
      for (const message of acknowledged) expect(storedIds).toContain(message.id);

      // A client that retries every request that got no response ends with exactly one copy of each.
      for (const outcome of outcomes.filter((outcome) => !outcome.answered)) {
        const retry = await postMessage(restarted.url, chatId, outcome.number);
        expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      }
      const complete = await listMessages(restarted.url, chatId);
      expect(complete.items.map((message) => message.seq)).toEqual(oneTo(20));
      expect(complete.items.map((message) => message.client_message_id).sort()).toEqual(
        oneTo(20)
          .map((number) => `c-${number}`)
          .sort(),
      );
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'exits at once with 1 on a second signal while draining',
    async () => {
      const platform = await startPlatform({ dataDirectory: makeDataDirectory() });
      const chatId = await createChat(platform.url);
      // An unfinished request keeps the server draining, so the second signal surely finds it there.
      const inFlight = openRequestAwaitingBody(platform.url, `/api/v1/chat/${chatId}/messages`, {
        content: 'never finished',
      });
      await within(inFlight.headersRouted, 10_000, '100 Continue from the server');
      platform.child.kill('SIGTERM');
      await waitForLog(platform, 'shutting down');
      platform.child.kill('SIGTERM');
      expect(await exitWithin(platform, 5_000)).toEqual({ code: 1, signal: null });
      await expect(inFlight.response).rejects.toThrow();
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

/** The fields `tenant` commands print for one tenant: id, state, name, origins. */
function tenantFields(stdout: string, id: string): string[] | undefined {
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .find((fields) => fields[0] === id);
}

describe('CLI', () => {
  it(
    'creates a tenant, refuses a duplicate, lists it next to a running server, and updates it',
    async () => {
      const environment = { dataDirectory: makeDataDirectory() };
      const created = runCli(
        ['tenant', 'create', 'acme', '--name', 'Acme', '--origin', 'https://acme.example'],
        environment,
      );
      expect(created.status, created.stderr).toBe(0);
      expect(tenantFields(created.stdout, 'acme')).toEqual([
        'acme',
        'enabled',
        'Acme',
        'https://acme.example',
      ]);

      const duplicate = runCli(['tenant', 'create', 'acme', '--name', 'X'], environment);
      expect(duplicate.status).not.toBe(0);
      expect(duplicate.stderr).toContain('"acme" exists already');

      // The server migrates and seeds the demo tenant; the CLI then works on the same file beside it.
      await startPlatform(environment);
      const listed = runCli(['tenant', 'list'], environment);
      expect(listed.status, listed.stderr).toBe(0);
      expect(tenantFields(listed.stdout, 'acme')).toEqual([
        'acme',
        'enabled',
        'Acme',
        'https://acme.example',
      ]);
      expect(tenantFields(listed.stdout, DEMO_TENANT)?.[1]).toBe('enabled');

      const updated = runCli(
        [
          'tenant',
          'update',
          'acme',
          '--name',
          'Acme Inc',
          '--origin',
          'https://a.example',
          '--origin',
          'https://b.example',
        ],
        environment,
      );
      expect(updated.status, updated.stderr).toBe(0);
      // --origin replaces the list: the first origin is gone.
      expect(tenantFields(updated.stdout, 'acme')).toEqual([
        'acme',
        'enabled',
        'Acme Inc',
        'https://a.example, https://b.example',
      ]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'disabling a tenant makes the server refuse it with 403 tenant_disabled; enabling lets it back',
    async () => {
      const environment = { dataDirectory: makeDataDirectory() };
      expect(runCli(['tenant', 'create', 'acme', '--name', 'Acme'], environment).status).toBe(0);
      const disabled = runCli(['tenant', 'disable', 'acme'], environment);
      expect(disabled.status, disabled.stderr).toBe(0);
      expect(tenantFields(disabled.stdout, 'acme')?.[1]).toBe('disabled');

      const platform = await startPlatform(environment);
      const refused = await callApi<ErrorBody>(platform.url, 'POST', '/api/v1/chat', {
        tenant: 'acme',
        body: { session_id: 's1', visitor_id: 'v1' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('tenant_disabled');

      const enabled = runCli(['tenant', 'enable', 'acme'], environment);
      expect(enabled.status, enabled.stderr).toBe(0);
      expect(tenantFields(enabled.stdout, 'acme')?.[1]).toBe('enabled');
      // The running server caches tenants for up to 5 s (TenantDirectory), so a change made by another
      // process shows within that window, not at once.
      const deadline = Date.now() + 10_000;
      let status = refused.status;
      while (status !== 200 && Date.now() < deadline) {
        await sleep(250);
        status = (await callApi(platform.url, 'POST', '/api/v1/chat', { tenant: 'acme', body: {} })).status;
      }
      expect(status).toBe(200);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it('migrate applies the schema once, then reports it up to date', () => {
    const environment = { dataDirectory: makeDataDirectory() };
    const first = runCli(['migrate'], environment);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied migrations: \d/m);
    const second = runCli(['migrate'], environment);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('Schema is up to date');
  });

  it.each([
    ['an invalid tenant id', ['tenant', 'create', 'Bad_Id', '--name', 'x'], 'not a valid tenant id'],
    ['an unknown command', ['frobnicate'], 'Unknown command: frobnicate'],
    ['no command', [], 'No command given'],
    ['an unknown tenant action', ['tenant', 'rename', 'acme'], 'Unknown tenant command: rename'],
    ['an unknown option', ['tenant', 'create', 'acme', '--nmae', 'Acme'], "'--nmae'"],
    ['an option without its value', ['tenant', 'create', 'acme', '--name', 'Acme', '--origin'], '--origin'],
  ])('exits 2 and prints the usage on %s', (_case, args, message) => {
    const result = runCli(args, { dataDirectory: makeDataDirectory() });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage:');
    // A usage mistake is explained, not reported as a crash.
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('configuration', () => {
  it(
    'refuses to start in production with an invalid PORT, saying why and without a stack trace',
    async () => {
      const spawned = spawnPlatform({
        dataDirectory: makeDataDirectory(),
        extra: { MIPTECH_ENV: 'production', PORT: 'abc' },
      });
      const status = await exitWithin(spawned, 15_000);
      expect(status.signal).toBeNull();
      expect(status.code).not.toBe(0);
      expect(spawned.stderr()).toContain('Invalid configuration');
      expect(spawned.stderr()).toContain('PORT');
      expect(spawned.stderr()).not.toMatch(/^\s+at /m);
      expect(spawned.stdout()).not.toContain('listening on');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'refuses to start in production without a long enough JWT_SECRET, and prints why',
    async () => {
      for (const secret of ['', 'too-short']) {
        const spawned = spawnPlatform({
          dataDirectory: makeDataDirectory(),
          extra: { MIPTECH_ENV: 'production', JWT_SECRET: secret },
        });
        const status = await exitWithin(spawned, 15_000);
        expect(status.code).not.toBe(0);
        expect(spawned.stderr()).toContain('JWT_SECRET: production needs a secret of at least 32 characters');
        expect(spawned.stderr()).not.toMatch(/^\s+at /m);
        expect(spawned.stdout()).not.toContain('listening on');
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

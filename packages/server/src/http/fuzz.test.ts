/**
 * Property-based fuzzing of every HTTP route. Whatever a client sends (any method, tenant
 * headers that agree or not, odd content types, broken or hostile JSON, absurd path parameters
 * and query strings), the platform must answer with a client error at worst, never a 5xx; every
 * error must keep the documented body `{detail, code, request_id}`; and no answer may leak a
 * stack trace. Runs against SQLite always and PostgreSQL when one answers.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { API_PREFIX, ERROR_CODES, isErrorCode, TENANT_HEADERS } from '@miptech/protocol';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTestPostgres } from '../testing/services.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';

/** Random requests per backend; enough to reach the deep branches while keeping the file fast. */
const RUNS = 300;
/** Requests sent before measuring the heap, so lazy initialisation does not count as growth. */
const WARM_UP_REQUESTS = 100;
/** Heap growth tolerated across {@link RUNS} requests: generous, since only a real leak should trip it. */
const MAX_HEAP_GROWTH = 64 * 1024 * 1024;

const DEMO_TENANT = DEMO['x-tenant-id'];
const OTHER_TENANT = 'fuzz-other-company';
const DISABLED_TENANT = 'fuzz-disabled-company';
const OTHER_TENANT_ORIGIN = 'https://www.fuzz-other-company.example';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

/** A route with `{name}` placeholders where a path parameter goes. */
interface RouteTemplate {
  method: Method;
  path: string;
}

/** One request, as `inject()` takes it. */
interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

/**
 * Routes the OpenAPI document hides, plus two that are not routes of ours but answer all the
 * same: the not-found handler and the CORS preflight that `@fastify/cors` adds for every path.
 */
const UNDOCUMENTED_ROUTES: RouteTemplate[] = [
  { method: 'GET', path: `${API_PREFIX}/openapi.json` },
  { method: 'GET', path: '/docs' },
  { method: 'GET', path: '/docs/json' },
  { method: 'GET', path: '/docs/yaml' },
  { method: 'GET', path: '/docs/static/{file}' },
  { method: 'GET', path: `${API_PREFIX}/{unknown}` },
  { method: 'OPTIONS', path: `${API_PREFIX}/chat/{chat_id}/messages` },
];

/** Every route: the documented ones read from the OpenAPI document, so a new route is fuzzed too. */
async function collectRoutes(platform: TestPlatform): Promise<RouteTemplate[]> {
  const response = await platform.app.inject({ url: `${API_PREFIX}/openapi.json` });
  const document = response.json() as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase() as Method, path })),
  );
  return [...documented, ...UNDOCUMENTED_ROUTES];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: the building blocks of a random request.
// ---------------------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates included: what `JSON.parse` can hand the server. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyCodeUnitText = fc.string({ unit: anyCodeUnit, maxLength: 40 });

/**
 * Text a real HTTP client can put in a header value: tab and printable latin1. Anything else
 * (CR, LF, NUL, code points above 0xFF) cannot go on the wire, so sending it through `inject()`
 * would test the harness, not the server.
 */
const headerText = fc.string({
  unit: fc
    .oneof(fc.constant(0x09), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

/** Strings that have broken servers before: empty, blank, NUL, lone surrogates, injections, limits. */
const trickyText = fc.constantFrom(
  '',
  ' ',
  ' \t\n ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  'x\ud83d',
  '\u202e',
  '💬'.repeat(10),
  '..',
  '%00',
  '__proto__',
  'constructor',
  'null',
  DEMO_TENANT,
  OTHER_TENANT,
  DISABLED_TENANT,
  'MIPTECH-COMPANY',
  '<script>alert(1)</script>',
  "'; DROP TABLE chats; --",
  'a'.repeat(4000),
  'a'.repeat(4001),
  `${' '.repeat(4001)}x`,
);

/** Up to ~70k characters: above the body limit sometimes, above every field limit always. */
const hugeText = fc
  .tuple(fc.constantFrom('a', 'é', '💬', '\u0000 ', ' '), fc.integer({ min: 4_000, max: 70_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Ids the schema accepts, so requests get past validation and reach the store. */
const plausibleId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);

/** JSON of any shape, its strings made of any code unit. */
const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: anyCodeUnit });

/** Objects whose keys shadow what the server might call on a value (`toString`, `valueOf`, …). */
const trickyObject = fc.dictionary(
  fc.oneof(
    fc.constantFrom('toString', 'valueOf', 'toJSON', 'tenant_id', '__proto__', 'constructor'),
    fc.string(),
  ),
  anyJson,
  { minKeys: 1, maxKeys: 4 },
);

/** Free text: printable, any code point, any code unit, or a known troublemaker. */
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), anyCodeUnitText, trickyText);

/** A value of any kind, for any field of a body. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: anyCodeUnitText.map((value) => `${value}\u0000`) },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: anyJson },
  { weight: 2, arbitrary: trickyObject },
);

/**
 * Usually a value the schema accepts, sometimes anything: a request whose fields are all wrong
 * stops at validation, so most fields must pass for the others to reach the service and the store.
 */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostileValue });

/**
 * A body's claim to a tenant (`tenant_id`, `context.tenant_id`, `metadata.tenant_id`): the
 * request's own tenant, another one, or a value that is not a tenant id at all.
 */
const tenantClaim = fc.oneof(
  { weight: 2, arbitrary: fc.constant(DEMO_TENANT) as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.constant(OTHER_TENANT) },
  { weight: 1, arbitrary: trickyObject },
  { weight: 1, arbitrary: hostileValue },
);

/** Shaped like the seed's `POST /chat` body. */
const chatShapedBody = fc.record(
  {
    session_id: mostly(plausibleId),
    visitor_id: mostly(plausibleId),
    title: mostly(text),
    tenant_id: tenantClaim,
    context: mostly(
      fc.record(
        {
          page_url: mostly(text),
          user_agent: mostly(text),
          referrer: mostly(text),
          tenant_id: tenantClaim,
          extra: hostileValue,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** Shaped like the seed's `POST /chat/{id}/messages` body. */
const messageShapedBody = fc.record(
  {
    content: mostly(fc.oneof(fc.lorem({ maxCount: 8 }), text)),
    role: mostly(fc.constantFrom('user', 'assistant', 'human', 'system', 'USER')),
    metadata: mostly(
      fc.oneof(
        fc.record(
          {
            tenant_id: tenantClaim,
            timestamp: mostly(fc.date({ noInvalidDate: true }).map((date) => date.toISOString())),
            page_url: mostly(text),
            extra: hostileValue,
          },
          { requiredKeys: [] },
        ),
        trickyObject,
      ),
    ),
    client_message_id: mostly(plausibleId),
  },
  { requiredKeys: ['content'] },
);

/**
 * Context and metadata nested deeper than a recursive walk survives, yet within the body limit.
 * Written as text: building the value and stringifying it would overflow the test's own stack.
 */
const deeplyNestedBody = fc
  .record({
    field: fc.constantFrom('context', 'metadata'),
    // Unbiased: fast-check favours small integers, and the interesting depths are the large ones.
    depth: fc.noBias(fc.integer({ min: 1, max: 20_000 })),
    arrays: fc.boolean(),
  })
  .map(({ field, depth, arrays }) => {
    const nested = arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return `{"content":"deep","${field}":{"tenant_id":"${DEMO_TENANT}","a":${nested}}}`;
  });

/** `JSON.stringify` of anything it can handle; undefined for what it cannot. */
function stringifyIfPossible(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** A request body of any kind, or none. */
const anyBody: fc.Arbitrary<string | undefined> = fc.option(
  fc.oneof(
    { weight: 3, arbitrary: chatShapedBody.map((value) => JSON.stringify(value)) },
    { weight: 3, arbitrary: messageShapedBody.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: deeplyNestedBody },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      arbitrary: fc
        .anything()
        .map(stringifyIfPossible)
        .filter((text): text is string => text !== undefined),
    },
    {
      weight: 1,
      // Truncated JSON: a valid document cut anywhere.
      arbitrary: fc
        .tuple(
          messageShapedBody.map((value) => JSON.stringify(value)),
          fc.nat(),
        )
        .map(([json, cut]) => json.slice(0, cut % (json.length + 1))),
    },
    { weight: 1, arbitrary: fc.oneof(anyCodeUnitText, fc.string({ unit: 'binary' }), trickyText) },
  ),
  { nil: undefined, freq: 8 },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/json; charset="',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      ';;;',
      '',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

const tenantHeaderValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      DEMO_TENANT,
      OTHER_TENANT,
      DISABLED_TENANT,
      'no-such-company',
      'MIPTech-Company',
      ` ${DEMO_TENANT} `,
      `${DEMO_TENANT},${DEMO_TENANT}`,
      `${DEMO_TENANT}, ${OTHER_TENANT}`,
      '',
      ',',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

/** Most requests name the demo tenant the canonical way, so they reach the handlers; the rest vary. */
const tenantHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ ...DEMO }) },
  {
    weight: 3,
    // Any subset of the tenant headers, each with its own value: they may agree, or not.
    arbitrary: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...TENANT_HEADERS), tenantHeaderValue), {
        selector: ([name]) => name,
        maxLength: TENANT_HEADERS.length,
      })
      .map((entries) => Object.fromEntries(entries)),
  },
);

const otherHeaders = fc.record(
  {
    'content-type': contentType,
    origin: fc.oneof(
      fc.constantFrom(
        'http://localhost:3000',
        OTHER_TENANT_ORIGIN,
        'https://evil.example',
        'null',
        'http://[',
      ),
      headerText,
    ),
    'x-request-id': fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{8,64}$/), headerText),
    'access-control-request-method': fc.constantFrom(...METHODS),
  },
  { requiredKeys: [] },
);

/** A path parameter, already as it appears in the URL: mostly encoded, sometimes raw and broken. */
function pathSegment(realChatId: string): fc.Arbitrary<string> {
  const encode = (text: string) => encodeURIComponent(text.toWellFormed());
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(realChatId) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encode) },
    { weight: 1, arbitrary: anyCodeUnitText.map(encode) },
    {
      weight: 2,
      // Raw on purpose: invalid or dangerous percent-encodings a client may send as they are.
      arbitrary: fc.constantFrom(
        '%00',
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '%',
        '%FF',
        '%E0%A4%A',
        '%ED%A0%80',
        'index.html',
        'swagger-ui.css',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 150, max: 3000 }).map((length) => 'a'.repeat(length)) },
  );
}

const queryValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '-1',
    '200',
    '201',
    '1e2',
    '0x10',
    'NaN',
    ' 5',
    '2147483647',
    '2147483648',
    '999999999999999',
    '1000000000000000',
    '\u0000',
    DEMO_TENANT,
    OTHER_TENANT,
  ),
  fc.nat().map(String),
  fc.stringMatching(/^\d{1,15}$/),
  anyCodeUnitText,
);

/** A query string with its `?`, or nothing. */
const queryString = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .record({ limit: queryValue, cursor: queryValue, tenant_id: queryValue }, { requiredKeys: [] })
      .map((query) => `?${new URLSearchParams(query)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('?limit=%FF', '?limit=1&limit=2', '?tenant_id[]=x', '?=&&=', '?%'),
  },
);

/** The body a route takes, shaped like the seed's and with random values; any body for the others. */
function bodyFor(route: RouteTemplate): fc.Arbitrary<string | undefined> {
  if (route.method !== 'POST') return anyBody;
  const shaped = route.path.endsWith('/messages') ? messageShapedBody : chatShapedBody;
  return fc.oneof(
    { weight: 5, arbitrary: shaped.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: deeplyNestedBody },
  );
}

/** Anything at all: one of the routes, usually with its own method, and random everything else. */
function chaoticRequest(routes: RouteTemplate[], realChatId: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      otherMethod: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      segment: pathSegment(realChatId),
      query: queryString,
      tenant: tenantHeaders,
      headers: otherHeaders,
      payload: anyBody,
    })
    .map(({ route, otherMethod, segment, query, tenant, headers, payload }) => ({
      method: otherMethod ?? route.method,
      url: `${route.path.replaceAll(/\{[^}]+\}/g, segment)}${query}`,
      headers: { ...tenant, ...headers },
      payload,
    }));
}

/**
 * A request a seed client could have sent to a chat route (the demo tenant, JSON, the real chat)
 * with random field values: what gets past the tenant and schema checks into the service and store.
 */
function plausibleRequest(routes: RouteTemplate[], realChatId: string): fc.Arbitrary<FuzzRequest> {
  const chatRoutes = routes.filter((route) => route.path.startsWith(`${API_PREFIX}/chat`));
  return fc.constantFrom(...chatRoutes).chain((route) =>
    fc.record({ query: queryString, payload: bodyFor(route) }).map(({ query, payload }) => ({
      method: route.method,
      url: `${route.path.replaceAll('{chat_id}', realChatId)}${query}`,
      headers: { ...DEMO, 'content-type': 'application/json' },
      payload,
    })),
  );
}

/** Half chaos, half plausible: the chaos finds the edges, the plausible half reaches the store. */
function requestArbitrary(routes: RouteTemplate[], realChatId: string): fc.Arbitrary<FuzzRequest> {
  return fc
    .oneof(chaoticRequest(routes, realChatId), plausibleRequest(routes, realChatId))
    .map(withShortDescription);
}

/** Counterexamples are printed with long strings cut, so a 70k body does not flood the report. */
function withShortDescription(request: FuzzRequest): FuzzRequest {
  const shorten = (text: string) =>
    text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
  return Object.assign(request, {
    [fc.toStringMethod]: () =>
      JSON.stringify({
        method: request.method,
        url: shorten(request.url),
        headers: request.headers,
        payload: request.payload === undefined ? undefined : shorten(request.payload),
      }),
  });
}

// ---------------------------------------------------------------------------------------------
// The property.
// ---------------------------------------------------------------------------------------------

/** Looks like a stack frame (`at f (file.ts:12:3)`) or a path into our dependencies. */
const STACK_TRACE = /\bat .*\.(?:ts|js|mjs|cjs):\d+|node_modules/;

/** Throws (through `expect`) when the response breaks the contract. */
function checkResponse(request: FuzzRequest, response: LightMyRequestResponse): void {
  const where = `${request.method} ${request.url.slice(0, 120)} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, where).toBeLessThan(500);
  // A HEAD answer has no body to check.
  if (response.statusCode < 400 || request.method === 'HEAD') return;

  let errorBody: Record<string, unknown>;
  try {
    errorBody = response.json();
  } catch {
    throw new Error(`The error body is not JSON: ${where}`);
  }
  expect(typeof errorBody.detail, where).toBe('string');
  expect(typeof errorBody.request_id, where).toBe('string');
  expect(isErrorCode(errorBody.code), `code is not one of the registry: ${where}`).toBe(true);
  // A code means one status everywhere, so clients can rely on either.
  if (isErrorCode(errorBody.code))
    expect(response.statusCode, where).toBe(ERROR_CODES[errorBody.code].status);
  // The id in the body is the one in the header and the log: what a user quotes to support.
  expect(errorBody.request_id, where).toBe(response.headers['x-request-id']);
  expect(response.body, `the body leaks internals: ${where}`).not.toMatch(STACK_TRACE);
}

/**
 * Requests the fuzzer found breaking the contract, kept as fixed cases so that each one is
 * checked on every run, on both backends, whatever the random draw.
 */
const EDGE_CASES: Array<[string, Omit<FuzzRequest, 'headers'>]> = [
  ['an invalid percent-encoding in the path', { method: 'GET', url: '/api/v1/chat/%FF', payload: undefined }],
  [
    'a path parameter longer than the router allows',
    { method: 'GET', url: `/api/v1/chat/${'a'.repeat(201)}`, payload: undefined },
  ],
  [
    'a metadata tenant_id that cannot be turned into a string',
    {
      method: 'POST',
      url: '/api/v1/chat/{chat_id}/messages',
      payload: '{"content":"hi","metadata":{"tenant_id":{"toString":1}}}',
    },
  ],
  [
    'a context nested 20000 levels deep',
    {
      method: 'POST',
      url: '/api/v1/chat',
      payload: `{"context":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
    },
  ],
  [
    'metadata nested 20000 levels deep',
    {
      method: 'POST',
      url: '/api/v1/chat/{chat_id}/messages',
      payload: `{"content":"hi","metadata":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
    },
  ],
  [
    'a cursor beyond 32-bit integers',
    { method: 'GET', url: '/api/v1/chat/{chat_id}/messages?cursor=2147483648', payload: undefined },
  ],
  [
    'a lone surrogate in a context value',
    { method: 'POST', url: '/api/v1/chat', payload: '{"context":{"page_url":"\\ud800"}}' },
  ],
  [
    'a lone surrogate in a metadata key',
    {
      method: 'POST',
      url: '/api/v1/chat/{chat_id}/messages',
      payload: '{"content":"hi","metadata":{"\\udc00":1}}',
    },
  ],
];

/**
 * `global.gc` when the process runs without `--expose-gc`: V8 accepts the flag at run time and a
 * fresh context then sees the function. Collecting before each measurement keeps garbage that is
 * merely not collected yet from counting as growth.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}

/** The whole suite against one backend; skipped when that backend is not available. */
function describeFuzz(backend: string, openPlatform: () => Promise<TestPlatform>, available = true): void {
  describe.skipIf(!available)(`random requests to every route (${backend})`, () => {
    let platform: TestPlatform;
    let routes: RouteTemplate[];
    let realChatId: string;

    const send = (request: FuzzRequest) =>
      platform.app.inject({
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      });

    beforeAll(async () => {
      platform = await openPlatform();
      await platform.store.createTenant({
        id: OTHER_TENANT,
        name: 'Fuzz Other Company',
        allowed_origins: [OTHER_TENANT_ORIGIN],
      });
      await platform.store.createTenant({ id: DISABLED_TENANT, name: 'Fuzz Disabled Company' });
      await platform.store.updateTenant(DISABLED_TENANT, { enabled: false });
      const created = await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO });
      realChatId = created.json().id;
      routes = await collectRoutes(platform);
    });

    afterAll(async () => {
      await platform?.close();
    });

    it('fuzzes the documented routes as well as the hidden ones', () => {
      const paths = routes.map((route) => `${route.method} ${route.path}`);
      expect(paths).toEqual(
        expect.arrayContaining([
          'GET /api/v1/health',
          'POST /api/v1/chat',
          'GET /api/v1/chat/{chat_id}',
          'POST /api/v1/chat/{chat_id}/messages',
          'GET /api/v1/chat/{chat_id}/messages',
          'GET /docs',
        ]),
      );
    });

    it('never answers 5xx, a malformed error body or a stack trace', async () => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(routes, realChatId), async (request) => {
          checkResponse(request, await send(request));
        }),
        { numRuns: RUNS },
      );
    });

    it.each(EDGE_CASES)('keeps the contract for %s', async (_name, edgeCase) => {
      const headers: Record<string, string> = { ...DEMO };
      if (edgeCase.payload !== undefined) headers['content-type'] = 'application/json';
      const request = { ...edgeCase, url: edgeCase.url.replace('{chat_id}', realChatId), headers };
      checkResponse(request, await send(request));
    });

    it('keeps memory bounded under the same random traffic', async () => {
      // Every request is generated up front, so the bodies themselves are not counted as growth.
      const requests = fc.sample(requestArbitrary(routes, realChatId), {
        numRuns: WARM_UP_REQUESTS + RUNS,
        seed: 20_251_122,
      });
      for (const request of requests.slice(0, WARM_UP_REQUESTS)) await send(request);
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      for (const request of requests.slice(WARM_UP_REQUESTS)) await send(request);
      collectGarbage();
      const growth = process.memoryUsage().heapUsed - before;
      expect(growth, `heap grew by ${Math.round(growth / 1024)} KiB`).toBeLessThan(MAX_HEAP_GROWTH);
    });
  });
}

describeFuzz('SQLite', () => createTestApp());

const postgresUrl = await findTestPostgres();
describeFuzz('PostgreSQL', () => createTestApp({ postgresUrl }), postgresUrl !== undefined);

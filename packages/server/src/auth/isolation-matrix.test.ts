/**
 * The isolation matrix: every `/api/v1` route × {own tenant, other tenant, no tenant, malformed
 * tenant} × {no token, visitor A, visitor B, agent, owner, other tenant's owner, API key}.
 *
 * Each cell's expected answer comes from an oracle written here from the route's declared
 * `access` (never from running the server), so a wrong declaration, a missing check or a route
 * that lets another tenant in fails a cell. Every answer given to tenant B (or to B's owner) is
 * also searched for anything of tenant A. A route added without a row in `ROUTES` fails the first
 * test; a route without an access declaration makes `buildApp` throw, which fails them all.
 *
 * Every 401 must also carry a Bearer `WWW-Authenticate` challenge (RFC 6750 §3).
 */
import type { ErrorCode, OperatorRole } from '@miptech/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';
import type { Access } from './access.ts';
import { hashPassword } from './passwords.ts';
import { hashSecret } from './tokens.ts';

const A = 'iso-alpha';
const B = 'iso-bravo';
const A_NAME = 'Alpha Matrix Company';
const MALFORMED = 'Not_A_Slug!';
const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'purple elephant quietly dancing 77';

const TENANTS = ['own', 'other', 'none', 'malformed'] as const;
type TenantVariant = (typeof TENANTS)[number];
const TENANT_HEADER: Record<TenantVariant, string | undefined> = {
  own: A,
  other: B,
  none: undefined,
  malformed: MALFORMED,
};

const PRINCIPALS = ['anonymous', 'visitorA', 'visitorB', 'agent', 'owner', 'ownerB', 'apiKey'] as const;
type PrincipalName = (typeof PRINCIPALS)[number];
const LABEL: Record<PrincipalName, string> = {
  anonymous: 'no token',
  visitorA: 'visitor A',
  visitorB: "visitor B (A's other visitor)",
  agent: "A's agent",
  owner: "A's owner",
  ownerB: "B's owner",
  apiKey: "A's API key (agent role)",
};

interface Cell {
  tenant: TenantVariant;
  principal: PrincipalName;
}

/**
 * Statuses of the codes the oracle expects, written out here rather than read from the
 * protocol's registry, so a wrong status there fails the matrix too.
 */
const STATUS = {
  tenant_missing: 400,
  tenant_invalid: 400,
  auth_required: 401,
  invalid_token: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  tenant_mismatch: 403,
  insufficient_role: 403,
  invitation_required: 403,
  chat_not_found: 404,
  operator_not_found: 404,
  api_key_not_found: 404,
  document_not_found: 404,
  upgrade_required: 426,
} as const satisfies Partial<Record<ErrorCode, number>>;
type Code = keyof typeof STATUS;
type NotFoundCode = 'chat_not_found' | 'operator_not_found' | 'api_key_not_found' | 'document_not_found';

/** An expected or actual answer: a success status without a code, or an error status with one. */
interface Outcome {
  status: number;
  code?: string | undefined;
}
const fail = (code: Code): Outcome => ({ status: STATUS[code], code });

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What one cell sends, besides the method, the tenant header and the cell's credential. */
interface Sample {
  /** Values of the route's `:params`. */
  params?: Record<string, string>;
  /** A query string, without the `?`. */
  query?: string;
  body?: unknown;
  /** Replaces the cell's credential: a fresh session or a throwaway operator of the same role and tenant. */
  token?: string | undefined;
  /** The A resource a mutating request targets, for {@link RouteCase.present}. */
  target?: string;
}

interface RouteCase {
  /** Builds the cell's request; called once per cell, so mutating routes get fresh objects. */
  build(cell: Cell): Sample | Promise<Sample>;
  /** The success status; 200 unless given. */
  success?: 200 | 201 | 204;
  /** Open routes: the answer of every cell, if not 200. */
  open?: Outcome;
  /** Public routes: what the sample body earns in the own and the other tenant (credentials are ignored). */
  public?: Record<'own' | 'other', Outcome>;
  /** The path names one of A's resources: a caller who passes the checks but may not see it gets this 404. */
  names?: NotFoundCode;
  /** Whether the target still exists: it must after a refused call and must not after a successful one. */
  present?(target: string): Promise<boolean>;
  /** Checks after all cells of the route ran; returns problems. */
  after?(): Promise<string[]>;
}

/** The oracle: the answer a cell must get, from the route's declared access alone (production mode). */
function oracle(access: Access, route: RouteCase, { tenant, principal }: Cell): Outcome {
  const success: Outcome = { status: route.success ?? 200 };
  if (access.kind === 'open') return route.open ?? { status: 200 };
  if (tenant === 'none') return fail('tenant_missing');
  if (tenant === 'malformed') return fail('tenant_invalid');
  const own = tenant === 'own';
  if (access.kind === 'public') {
    if (!route.public) throw new Error('a public route needs its `public` outcomes in ROUTES');
    return route.public[tenant];
  }
  const visitor = principal === 'visitorA' || principal === 'visitorB';
  if (access.kind === 'visitor') {
    if (principal === 'anonymous') return access.optional ? success : fail('auth_required');
    if (!visitor) return fail('invalid_token');
    if (!own) return fail('tenant_mismatch');
    // Visitor B is a visitor of tenant A too, but chat A is not theirs.
    return principal === 'visitorB' && route.names ? fail(route.names) : success;
  }
  if (principal === 'anonymous') return fail('auth_required');
  if (visitor) return fail('invalid_token');
  if (own) {
    if (principal === 'ownerB') return fail('tenant_mismatch');
    if (principal === 'apiKey' && !access.apiKeys) return fail('insufficient_role');
    const role: OperatorRole = principal === 'owner' ? 'owner' : 'agent';
    return access.roles.includes(role) ? success : fail('insufficient_role');
  }
  if (principal !== 'ownerB') return fail('tenant_mismatch');
  // B's owner in B reaches the route, in B: A's resources do not exist there.
  return route.names ? fail(route.names) : success;
}

interface Operator {
  id: string;
  email: string;
  access: string;
  refresh: string;
}
interface Fixtures {
  ownerA: Operator;
  agentA: Operator;
  ownerB: Operator;
  chatA: string;
  /** A knowledge document of A's. */
  documentA: string;
  visitorA: { id: string; token: string };
  visitorB: { id: string; token: string; chat: string };
  apiKey: { id: string; key: string };
  /** A's owner's refresh tokens of sessions kept for the refresh and logout routes' checks. */
  refreshSpare: string;
  logoutSpare: string;
  /** A hash of PASSWORD, for operators made in the store. */
  passwordHash: string;
}

let platform: TestPlatform;
let fx: Fixtures;
let cellsRun = 0;
/** Everything of tenant A that tenant B must never see, with a label for failure messages. */
const secretsOfA = new Map<string, string>();
let sequence = 0;
const uniqueEmail = (tag: string) => `${tag}-${++sequence}@matrix.example`;

interface Call {
  method: Method;
  url: string;
  tenant?: string | undefined;
  token?: string | undefined;
  body?: unknown;
}

function call(target: TestPlatform, { method, url, tenant, token, body }: Call) {
  const headers: Record<string, string> = {};
  if (tenant !== undefined) headers['x-tenant-id'] = tenant;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return target.app.inject({
    method,
    url,
    headers,
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** A fixture call that must succeed with 200; returns the parsed body. */
async function expect200<T>(target: TestPlatform, request: Call): Promise<T> {
  const response = await call(target, request);
  if (response.statusCode !== 200) {
    throw new Error(
      `fixture ${request.method} ${request.url} answered ${response.statusCode}: ${response.body}`,
    );
  }
  return response.json() as T;
}

interface TokenBody {
  access_token: string;
  refresh_token: string;
  user: { id: string; email: string };
}

function remember(tenant: string, entries: Record<string, string>): void {
  if (tenant !== A) return;
  for (const [label, value] of Object.entries(entries)) secretsOfA.set(value, label);
}

async function register(
  target: TestPlatform,
  tenant: string,
  email: string,
  invitation?: string,
): Promise<Operator> {
  const body = await expect200<TokenBody>(target, {
    method: 'POST',
    url: '/api/v1/auth/register',
    tenant,
    body: { email, password: PASSWORD, ...(invitation ? { invitation_token: invitation } : {}) },
  });
  const operator = { id: body.user.id, email, access: body.access_token, refresh: body.refresh_token };
  if (target !== platform) return operator;
  remember(tenant, {
    [`operator id of ${email}`]: operator.id,
    [`email ${email}`]: email,
    [`access token of ${email}`]: operator.access,
    [`refresh token of ${email}`]: operator.refresh,
  });
  return operator;
}

/** An operator of `role` invited by `by` and registered now: for calls that end or change its sessions. */
async function throwaway(tenant: string, by: Operator, role: 'agent' | 'owner'): Promise<Operator> {
  const email = uniqueEmail(`throwaway-${role}`);
  const invitation = await expect200<{ invitation_token: string }>(platform, {
    method: 'POST',
    url: '/api/v1/auth/invitations',
    tenant,
    token: by.access,
    body: { email, role },
  });
  remember(tenant, { [`invitation of ${email}`]: invitation.invitation_token });
  return register(platform, tenant, email, invitation.invitation_token);
}

/**
 * A throwaway agent of A that never logs in: invited through the API, the invitation accepted in
 * the store with a hash made once, which spares an argon2 hash per cell.
 */
async function invitedAgent(): Promise<string> {
  const email = uniqueEmail('removable');
  const invitation = await expect200<{ invitation_token: string }>(platform, {
    method: 'POST',
    url: '/api/v1/auth/invitations',
    tenant: A,
    token: fx.ownerA.access,
    body: { email, role: 'agent' },
  });
  const operator = await platform.store.acceptInvitation(hashSecret(invitation.invitation_token), {
    tenant_id: A,
    email,
    name: email,
    role: 'agent',
    password_hash: fx.passwordHash,
  });
  if (!operator) throw new Error(`the invitation of ${email} was not accepted`);
  remember(A, { [`operator id of ${email}`]: operator.id, [`email ${email}`]: email });
  return operator.id;
}

async function login(tenant: string, email: string): Promise<{ access: string; refresh: string }> {
  const body = await expect200<TokenBody>(platform, {
    method: 'POST',
    url: '/api/v1/auth/login',
    tenant,
    body: { email, password: PASSWORD },
  });
  remember(tenant, {
    [`access token of ${email}`]: body.access_token,
    [`refresh token of ${email}`]: body.refresh_token,
  });
  return { access: body.access_token, refresh: body.refresh_token };
}

function credentialOf(principal: PrincipalName): string | undefined {
  switch (principal) {
    case 'anonymous':
      return undefined;
    case 'visitorA':
      return fx.visitorA.token;
    case 'visitorB':
      return fx.visitorB.token;
    case 'agent':
      return fx.agentA.access;
    case 'owner':
      return fx.ownerA.access;
    case 'ownerB':
      return fx.ownerB.access;
    case 'apiKey':
      return fx.apiKey.key;
  }
}

/** The operator whose session a call would legitimately end or change: its token names the tenant called. */
const sameTenantOperator = ({ tenant, principal }: Cell): 'agent' | 'owner' | 'ownerB' | undefined => {
  if (tenant === 'own' && (principal === 'agent' || principal === 'owner')) return principal;
  if (tenant === 'other' && principal === 'ownerB') return principal;
  return undefined;
};

const chatA = () => ({ chat_id: fx.chatA });

/** A new chat of visitor A, for routes that change a chat's state: cells run concurrently. */
async function freshChatA(): Promise<Sample> {
  const chat = await platform.store.createChat({
    tenant_id: A,
    session_id: 'matrix-session',
    visitor_id: fx.visitorA.id,
    title: 'Matrix handoff chat',
    context: {},
  });
  remember(A, { [`chat ${chat.id}`]: chat.id });
  return { params: { chat_id: chat.id } };
}

/** A new knowledge document of A's, with a canary in its text that B must never see. */
async function documentOfA(tag: string): Promise<string> {
  const text = `The ${tag} canary-of-alpha-${++sequence} lives here.`;
  const { document } = await platform.store.knowledge.upsertDocument({
    tenant_id: A,
    source: `matrix/${tag}-${sequence}.md`,
    title: `Alpha ${tag}`,
    url: null,
    format: 'markdown',
    body: text,
    passages: [{ heading: '', text }],
  });
  remember(A, { [`document ${document.id}`]: document.id, [`text of document ${document.id}`]: text });
  return document.id;
}
const cellTag = (cell: Cell) => `${cell.tenant}/${cell.principal}`;

async function stillWorks(label: string, tenant: string, token: string): Promise<string[]> {
  const response = await call(platform, { method: 'GET', url: '/api/v1/auth/me', tenant, token });
  return response.statusCode === 200
    ? []
    : [`${label} stopped working: GET /auth/me answered ${response.statusCode}`];
}

/** Every route under /api/v1, keyed as `platform.routes` reports it. */
const ROUTES: Record<string, RouteCase> = {
  'GET /api/v1/health': { build: () => ({}) },
  'GET /api/v1/ready': { build: () => ({}) },
  'GET /api/v1/openapi.json': { build: () => ({}) },
  // The WebSocket endpoints authenticate inside the socket (close codes, gateway.test.ts); a plain
  // HTTP request is told to upgrade, whoever sends it.
  'GET /api/v1/ws': { build: () => ({}), open: fail('upgrade_required') },
  'GET /api/v1/ws/chat': { build: () => ({}), open: fail('upgrade_required') },

  'POST /api/v1/auth/register': {
    build: () => ({ body: { email: uniqueEmail('uninvited'), password: PASSWORD } }),
    public: { own: fail('invitation_required'), other: fail('invitation_required') },
  },
  'POST /api/v1/auth/login': {
    build: () => ({ body: { email: fx.ownerA.email, password: PASSWORD } }),
    public: { own: { status: 200 }, other: fail('invalid_credentials') },
  },
  'POST /api/v1/auth/refresh': {
    // Only a call in A rotates the token; elsewhere the spare must survive being shown to B.
    build: async (cell) => ({
      body: {
        refresh_token: cell.tenant === 'own' ? (await login(A, fx.ownerA.email)).refresh : fx.refreshSpare,
      },
    }),
    public: { own: { status: 200 }, other: fail('invalid_refresh_token') },
    after: async () => {
      const response = await call(platform, {
        method: 'POST',
        url: '/api/v1/auth/refresh',
        tenant: A,
        body: { refresh_token: fx.refreshSpare },
      });
      return response.statusCode === 200
        ? []
        : [`A's refresh token, after being sent to B, no longer refreshes in A: ${response.statusCode}`];
    },
  },
  'POST /api/v1/auth/logout': {
    // Logout ends the session of a same-tenant access token, so those cells log in afresh; the
    // other cells send the shared tokens and A's spare refresh token, which must all survive.
    build: async (cell) => {
      const operator = sameTenantOperator(cell);
      const who = operator === 'ownerB' ? fx.ownerB : operator === 'agent' ? fx.agentA : fx.ownerA;
      const token = operator ? (await login(operator === 'ownerB' ? B : A, who.email)).access : undefined;
      return { token, body: cell.tenant === 'own' ? {} : { refresh_token: fx.logoutSpare } };
    },
    success: 204,
    public: { own: { status: 204 }, other: { status: 204 } },
    after: async () => {
      const refreshed = await call(platform, {
        method: 'POST',
        url: '/api/v1/auth/refresh',
        tenant: A,
        body: { refresh_token: fx.logoutSpare },
      });
      return [
        ...(refreshed.statusCode === 200
          ? []
          : [
              `a logout in B ended A's session of the refresh token sent: refresh answered ${refreshed.statusCode}`,
            ]),
        ...(await stillWorks("A's owner's token", A, fx.ownerA.access)),
        ...(await stillWorks("A's agent's token", A, fx.agentA.access)),
        ...(await stillWorks("B's owner's token", B, fx.ownerB.access)),
      ];
    },
  },

  'GET /api/v1/auth/me': {
    build: () => ({}),
    after: async () => [
      ...(await stillWorks("A's owner's token", A, fx.ownerA.access)),
      ...(await stillWorks("B's owner's token", B, fx.ownerB.access)),
    ],
  },
  'POST /api/v1/auth/password': {
    // A password change ends every session of the operator: allowed cells use a throwaway of the same role.
    build: async (cell) => {
      const operator = sameTenantOperator(cell);
      const token =
        operator === 'ownerB'
          ? (await throwaway(B, fx.ownerB, 'owner')).access
          : operator
            ? (await throwaway(A, fx.ownerA, operator)).access
            : undefined;
      return { token, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } };
    },
    after: async () => [
      ...(await stillWorks("A's owner's token", A, fx.ownerA.access)),
      ...(await stillWorks("A's agent's token", A, fx.agentA.access)),
      ...(await stillWorks("B's owner's token", B, fx.ownerB.access)),
    ],
  },
  'POST /api/v1/auth/invitations': {
    build: () => ({ body: { email: uniqueEmail('invitee'), role: 'agent' } }),
  },

  'POST /api/v1/chat': { build: () => ({ body: { title: 'Matrix chat' } }) },
  'GET /api/v1/chat/:chat_id': { build: () => ({ params: chatA() }), names: 'chat_not_found' },
  'POST /api/v1/chat/:chat_id/messages': {
    build: (cell) => ({ params: chatA(), body: { content: `hello from ${cellTag(cell)}` } }),
    names: 'chat_not_found',
    after: async () => {
      // Only visitor A in A may have written into chat A.
      const page = await platform.store.listMessages(A, fx.chatA, { after_seq: 0, limit: 200 });
      const written = (page?.items ?? [])
        .map((message) => message.content)
        .filter((content) => content.startsWith('hello from'));
      return written.join() === 'hello from own/visitorA' ? [] : [`chat A holds: ${written.join(', ')}`];
    },
  },
  'GET /api/v1/chat/:chat_id/messages': { build: () => ({ params: chatA() }), names: 'chat_not_found' },

  'GET /api/v1/chats': { build: () => ({}) },
  'GET /api/v1/chats/:chat_id': { build: () => ({ params: chatA() }), names: 'chat_not_found' },
  'GET /api/v1/chats/:chat_id/messages': { build: () => ({ params: chatA() }), names: 'chat_not_found' },

  'POST /api/v1/chat/:chat_id/handoff': { build: freshChatA, names: 'chat_not_found' },
  'POST /api/v1/chats/:chat_id/takeover': { build: freshChatA, names: 'chat_not_found' },
  'POST /api/v1/chats/:chat_id/release': { build: freshChatA, names: 'chat_not_found' },
  'POST /api/v1/chats/:chat_id/close': { build: freshChatA, names: 'chat_not_found' },
  'POST /api/v1/chats/:chat_id/reopen': { build: freshChatA, names: 'chat_not_found' },
  'GET /api/v1/chats/:chat_id/notes': { build: () => ({ params: chatA() }), names: 'chat_not_found' },
  'POST /api/v1/chats/:chat_id/notes': {
    build: (cell) => ({ params: chatA(), body: { content: `note from ${cellTag(cell)}` } }),
    names: 'chat_not_found',
    after: async () => {
      // Only A's staff in A may have written notes on chat A.
      const written = ((await platform.store.listNotes(A, fx.chatA)) ?? [])
        .map((note) => note.content)
        .sort();
      const expected = ['note from own/agent', 'note from own/apiKey', 'note from own/owner'];
      return written.join() === expected.join() ? [] : [`chat A's notes: ${written.join(', ')}`];
    },
  },
  'POST /api/v1/chats/:chat_id/messages': {
    build: async (cell) => ({
      ...(await freshChatA()),
      body: { content: `human answer from ${cellTag(cell)}` },
    }),
    names: 'chat_not_found',
  },

  'POST /api/v1/knowledge/documents': {
    build: (cell) => ({
      body: { source: `matrix/${cellTag(cell)}.md`, body: `# Added by ${cellTag(cell)}\n\nText.` },
    }),
    success: 201,
    after: async () => {
      // Managers only: A's owner in A and B's owner in B (the key is an agent).
      const [a, b] = await Promise.all([
        platform.store.knowledge.listDocuments(A),
        platform.store.knowledge.listDocuments(B),
      ]);
      const added = (documents: Array<{ source: string }>) =>
        documents.map((document) => document.source).filter((source) => !source.startsWith('matrix/fixture'));
      const problems: string[] = [];
      if (added(a).join() !== 'matrix/own/owner.md') problems.push(`A's added documents: ${added(a).join()}`);
      if (added(b).join() !== 'matrix/other/ownerB.md')
        problems.push(`B's added documents: ${added(b).join()}`);
      return problems;
    },
  },
  'GET /api/v1/knowledge/documents': { build: () => ({}) },
  'GET /api/v1/knowledge/documents/:document_id': {
    build: () => ({ params: { document_id: fx.documentA } }),
    names: 'document_not_found',
  },
  'DELETE /api/v1/knowledge/documents/:document_id': {
    build: async () => {
      const target = await documentOfA('fixture-deletable');
      return { params: { document_id: target }, target };
    },
    success: 204,
    names: 'document_not_found',
    present: async (id) => (await platform.store.knowledge.getDocument(A, id)) !== undefined,
  },
  'GET /api/v1/knowledge/search': { build: () => ({ query: 'q=canary' }) },
  'GET /api/v1/knowledge/gaps': { build: () => ({}) },
  // A name no test resolver knows: accepted by the policy, then reported as a failed line (200).
  'POST /api/v1/knowledge/imports': { build: () => ({ body: { url: 'https://matrix.example/page' } }) },

  'GET /api/v1/tenant': { build: () => ({}) },
  'POST /api/v1/tenant/assistant/test': { build: () => ({}) },
  'GET /api/v1/widget/config': {
    build: () => ({}),
    // Any caller reads the config of the tenant named: B's, asked in B, holds nothing of A (checked for every cell).
    public: { own: { status: 200 }, other: { status: 200 } },
  },
  'PATCH /api/v1/tenant': {
    build: (cell) => ({ body: { greeting: `greeting from ${cellTag(cell)}` } }),
    after: async () => {
      // The only cells allowed to write: A's owner in A, and B's owner in B (managers; the key is an agent).
      const [a, b] = await Promise.all([platform.store.getTenant(A), platform.store.getTenant(B)]);
      const problems: string[] = [];
      if (a?.greeting !== 'greeting from own/owner') problems.push(`A's greeting is "${a?.greeting}"`);
      if (b?.greeting !== 'greeting from other/ownerB') problems.push(`B's greeting is "${b?.greeting}"`);
      return problems;
    },
  },

  'GET /api/v1/operators': { build: () => ({}) },
  'PATCH /api/v1/operators/:operator_id': {
    build: (cell) => ({
      params: { operator_id: fx.agentA.id },
      body: { name: `renamed by ${cellTag(cell)}` },
    }),
    names: 'operator_not_found',
    after: async () => {
      const agent = await platform.store.getOperator(A, fx.agentA.id);
      return agent?.name === 'renamed by own/owner' && agent.role === 'agent'
        ? []
        : [`A's agent is now ${agent?.role} "${agent?.name}"`];
    },
  },
  'DELETE /api/v1/operators/:operator_id': {
    build: async () => {
      const target = await invitedAgent();
      return { params: { operator_id: target }, target };
    },
    success: 204,
    names: 'operator_not_found',
    present: async (id) => (await platform.store.getOperator(A, id)) !== undefined,
  },

  'GET /api/v1/api-keys': { build: () => ({}) },
  'POST /api/v1/api-keys': {
    build: (cell) => ({ body: { name: `key of ${cellTag(cell)}`, role: 'agent' } }),
  },
  'DELETE /api/v1/api-keys/:key_id': {
    build: async () => {
      const key = await expect200<{ id: string; key: string }>(platform, {
        method: 'POST',
        url: '/api/v1/api-keys',
        tenant: A,
        token: fx.ownerA.access,
        body: { name: 'throwaway key', role: 'agent' },
      });
      remember(A, { 'a throwaway API key id': key.id, 'a throwaway API key': key.key });
      return { params: { key_id: key.id }, target: key.id };
    },
    success: 204,
    names: 'api_key_not_found',
    present: async (id) =>
      (await platform.store.listApiKeys(A)).some((key) => key.id === id && key.revoked_at === null),
  },
};

const routeKey = (route: { method: string; url: string }) => `${route.method} ${route.url}`;

function fill(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`ROUTES gives no value for :${name} of ${template}`);
    return encodeURIComponent(value);
  });
}

function codeOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const code = (parsed as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const show = (outcome: Outcome) => `${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}`;

/**
 * RFC 6750 §3: a 401 carries a Bearer challenge; without credentials it names no error, and for a
 * token that does not verify it says `error="invalid_token"`.
 */
function wwwAuthenticateProblem(code: string | undefined, header: unknown): string | undefined {
  if (typeof header !== 'string' || !/^Bearer\b/.test(header)) {
    return `a 401 without a Bearer WWW-Authenticate challenge (got ${JSON.stringify(header)})`;
  }
  if (code === 'auth_required' && header.includes('error='))
    return `the challenge of auth_required names an error: ${header}`;
  if (code === 'invalid_token' && !header.includes('error="invalid_token"')) {
    return `the challenge of invalid_token does not say error="invalid_token": ${header}`;
  }
  return undefined;
}

/** What of A's the answer to this cell must not contain. */
function forbiddenFor(access: Access, cell: Cell): Array<[string, string]> {
  const forbidden: Array<[string, string]> = [];
  // Public routes ignore credentials: B's owner calling login or refresh in A with A's
  // credentials in the body rightly gets A's tokens, so only the other tenant is checked there.
  const byOwnerB = cell.principal === 'ownerB' && !(access.kind === 'public' && cell.tenant === 'own');
  if (cell.tenant === 'other' || byOwnerB) {
    for (const [secret, label] of secretsOfA) {
      // A request that names tenant A may hear its id back (health reports the tenant it was given).
      if (!(secret === A && cell.tenant === 'own')) forbidden.push([secret, label]);
    }
  }
  if (cell.principal === 'visitorB') {
    forbidden.push(
      [fx.chatA, 'chat A id'],
      [fx.visitorA.id, "visitor A's id"],
      [fx.visitorA.token, "visitor A's token"],
    );
  }
  return forbidden;
}

async function runCell(
  key: string,
  access: Access,
  route: RouteCase,
  cell: Cell,
  sample: Sample,
): Promise<string[]> {
  const [method, template] = key.split(' ') as [Method, string];
  const response = await call(platform, {
    method,
    url: fill(template, sample.params) + (sample.query ? `?${sample.query}` : ''),
    tenant: TENANT_HEADER[cell.tenant],
    token: sample.token ?? credentialOf(cell.principal),
    body: sample.body,
  });
  cellsRun += 1;
  const where = `${key} | tenant ${cell.tenant} × ${LABEL[cell.principal]}`;
  const expected = oracle(access, route, cell);
  const actual: Outcome = { status: response.statusCode, code: codeOf(response.body) };
  const problems: string[] = [];
  if (actual.status !== expected.status || actual.code !== expected.code) {
    problems.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
  }
  if (actual.status === 401) {
    const challenge = wwwAuthenticateProblem(actual.code, response.headers['www-authenticate']);
    if (challenge) problems.push(`${where}: ${challenge}`);
  }
  for (const [secret, label] of forbiddenFor(access, cell)) {
    if (response.body.includes(secret)) problems.push(`${where}: the answer contains ${label}`);
  }
  if (route.present && sample.target !== undefined) {
    const succeeded = expected.status < 300;
    if ((await route.present(sample.target)) === succeeded) {
      problems.push(
        `${where}: the target ${succeeded ? 'is still there' : 'was removed'} after ${show(actual)}`,
      );
    }
  }
  return problems;
}

beforeAll(async () => {
  platform = await createTestApp({
    env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET, MIPTECH_DEMO: 'false' },
  });
  await platform.store.createTenant({ id: A, name: A_NAME });
  await platform.store.createTenant({ id: B, name: 'Bravo Matrix Company' });
  remember(A, { "tenant A's id": A, "tenant A's name": A_NAME });

  const ownerA = await register(platform, A, uniqueEmail('owner-a'));
  const ownerB = await register(platform, B, uniqueEmail('owner-b'));
  const agentA = await throwaway(A, ownerA, 'agent');
  const startChat = async () => {
    const chat = await expect200<{ id: string; visitor_id: string; visitor_token: string }>(platform, {
      method: 'POST',
      url: '/api/v1/chat',
      tenant: A,
      body: { title: 'Fixture chat' },
    });
    remember(A, {
      [`chat ${chat.id}`]: chat.id,
      [`visitor ${chat.visitor_id}`]: chat.visitor_id,
      [`token of visitor ${chat.visitor_id}`]: chat.visitor_token,
    });
    return chat;
  };
  const chatOfA = await startChat();
  const chatOfB = await startChat();
  await expect200(platform, {
    method: 'POST',
    url: `/api/v1/chat/${chatOfA.id}/messages`,
    tenant: A,
    token: chatOfA.visitor_token,
    body: { content: 'fixture message' },
  });
  const apiKey = await expect200<{ id: string; key: string; prefix: string }>(platform, {
    method: 'POST',
    url: '/api/v1/api-keys',
    tenant: A,
    token: ownerA.access,
    body: { name: 'matrix key', role: 'agent' },
  });
  remember(A, {
    "A's API key id": apiKey.id,
    "A's API key": apiKey.key,
    "A's API key prefix": apiKey.prefix,
  });
  const [refreshSpare, logoutSpare] = await Promise.all([login(A, ownerA.email), login(A, ownerA.email)]);
  fx = {
    ownerA,
    agentA,
    ownerB,
    chatA: chatOfA.id,
    documentA: await documentOfA('fixture'),
    visitorA: { id: chatOfA.visitor_id, token: chatOfA.visitor_token },
    visitorB: { id: chatOfB.visitor_id, token: chatOfB.visitor_token, chat: chatOfB.id },
    apiKey,
    refreshSpare: refreshSpare.refresh,
    logoutSpare: logoutSpare.refresh,
    passwordHash: await hashPassword(PASSWORD),
  };
});
afterAll(() => platform?.close());

describe('isolation matrix (production)', () => {
  it('classifies every route: ROUTES lists exactly the routes the platform serves under /api/v1', () => {
    const served = platform.routes.map(routeKey);
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual(Object.keys(ROUTES).sort());
    for (const route of platform.routes) {
      expect(['open', 'public', 'visitor', 'staff'], routeKey(route)).toContain(route.access.kind);
    }
  });

  it('has fixtures that work before the matrix starts', async () => {
    expect(await stillWorks("A's agent's token", A, fx.agentA.access)).toEqual([]);
    const agent = await platform.store.getOperator(A, fx.agentA.id);
    expect(agent?.role).toBe('agent');
    const owner = await platform.store.getOperator(A, fx.ownerA.id);
    expect(owner?.role).toBe('owner');
    expect((await platform.store.getOperator(B, fx.ownerB.id))?.role).toBe('owner');
  });

  it.each(Object.keys(ROUTES))('%s answers every cell as its declared access says', async (key) => {
    const declared = platform.routes.find((route) => routeKey(route) === key);
    expect(declared, `${key} is not served`).toBeDefined();
    const route = ROUTES[key];
    if (!declared || !route) return;
    const cells = TENANTS.flatMap((tenant) => PRINCIPALS.map((principal): Cell => ({ tenant, principal })));
    // Cells are independent (each builds its own objects, and no check depends on their order),
    // so they run concurrently: the password hashing of login and register cells overlaps.
    const results = await Promise.all(
      cells.map(async (cell) => runCell(key, declared.access, route, cell, await route.build(cell))),
    );
    const mismatches = results.flat();
    if (route.after) mismatches.push(...(await route.after()));
    expect(mismatches).toEqual([]);
  });

  it('ran every cell', () => {
    expect(cellsRun).toBe(platform.routes.length * TENANTS.length * PRINCIPALS.length);
  });
});

describe('development mode', () => {
  let dev: TestPlatform;
  let chat: string;
  let visitorB: string;
  let operator: string;

  beforeAll(async () => {
    dev = await createTestApp({
      env: { MIPTECH_ENV: 'development', JWT_SECRET: TEST_JWT_SECRET, MIPTECH_DEMO: 'false' },
    });
    await dev.store.createTenant({ id: A, name: A_NAME });
    await dev.store.createTenant({ id: B, name: 'Bravo Matrix Company' });
    const start = () =>
      expect200<{ id: string; visitor_token: string }>(dev, {
        method: 'POST',
        url: '/api/v1/chat',
        tenant: A,
        body: {},
      });
    chat = (await start()).id;
    visitorB = (await start()).visitor_token;
    operator = (await register(dev, A, uniqueEmail('dev-owner'))).access;
  });
  afterAll(() => dev?.close());

  const visitorCalls = (): Call[] => [
    { method: 'GET', url: `/api/v1/chat/${chat}` },
    { method: 'POST', url: `/api/v1/chat/${chat}/messages`, body: { content: 'token-less hello' } },
    { method: 'GET', url: `/api/v1/chat/${chat}/messages` },
  ];
  const outcome = async (request: Call): Promise<Outcome> => {
    const response = await call(dev, request);
    return { status: response.statusCode, code: codeOf(response.body) };
  };

  it('lets token-less visitor calls reach chat A', async () => {
    for (const request of visitorCalls()) {
      expect(await outcome({ ...request, tenant: A }), `${request.method} ${request.url}`).toEqual({
        status: 200,
      });
    }
    const page = (await call(dev, { method: 'GET', url: `/api/v1/chat/${chat}/messages`, tenant: A })).json();
    expect(page.items.map((message: { content: string }) => message.content)).toContain('token-less hello');
  });

  it('still keeps chat A from tenant B, from visitor B and from operator tokens', async () => {
    for (const request of visitorCalls()) {
      const name = `${request.method} ${request.url}`;
      expect(await outcome({ ...request, tenant: B }), `${name} from B`).toEqual(fail('chat_not_found'));
      expect(await outcome({ ...request, tenant: A, token: visitorB }), `${name} as visitor B`).toEqual(
        fail('chat_not_found'),
      );
      expect(await outcome({ ...request, tenant: A, token: operator }), `${name} as operator`).toEqual(
        fail('invalid_token'),
      );
    }
  });

  it('still needs credentials on staff routes', async () => {
    expect(await outcome({ method: 'GET', url: '/api/v1/chats', tenant: A })).toEqual(fail('auth_required'));
    expect(await outcome({ method: 'GET', url: '/api/v1/chats', tenant: A, token: visitorB })).toEqual(
      fail('invalid_token'),
    );
    expect(await outcome({ method: 'GET', url: '/api/v1/chats', tenant: A, token: operator })).toEqual({
      status: 200,
    });
  });
});

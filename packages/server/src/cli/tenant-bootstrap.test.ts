/**
 * No stranger can claim a tenant: the command line makes a tenant's first owner (a password read
 * from stdin, or a one-time owner invitation), and production refuses the first anonymous
 * registration (`registration_closed`) unless `OPEN_REGISTRATION=true`. The CLI runs as a real
 * process on a SQLite file; the server then opens the same file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { platformEnvironment } from '../../../../tests/support/spawn-platform.ts';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

const CLI_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));
const PASSWORD = 'a long and quiet harbour at dawn 9';
/** A few CLI processes (about a second each) and argon2 hashing per test. */
const TEST_TIMEOUT_MS = 60_000;

const directories: string[] = [];
const platforms: TestPlatform[] = [];
afterEach(async () => {
  await Promise.all(platforms.splice(0).map((platform) => platform.close()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function dataDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-bootstrap-'));
  directories.push(directory);
  return directory;
}

/** Runs `main.ts <args>` to completion, with `input` on its stdin. */
function runCli(directory: string, args: string[], input = '') {
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    env: platformEnvironment({
      dataDirectory: directory,
      extra: { MIPTECH_DEMO: 'false', LOG_LEVEL: 'silent' },
    }),
    input,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A production server on the CLI's database, with the production default for registration. */
async function productionServer(directory: string, env: Record<string, string> = {}) {
  const platform = await createTestApp({
    dataDirectory: directory,
    env: {
      MIPTECH_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      MIPTECH_DEMO: 'false',
      OPEN_REGISTRATION: 'false',
      ...env,
    },
  });
  platforms.push(platform);
  const post = (tenant: string, url: string, body: Record<string, unknown>) =>
    platform.app.inject({ method: 'POST', url, headers: { 'x-tenant-id': tenant }, payload: body });
  return {
    register: (tenant: string, body: Record<string, unknown>) =>
      post(tenant, '/api/v1/auth/register', { password: PASSWORD, ...body }),
    login: (tenant: string, email: string, password = PASSWORD) =>
      post(tenant, '/api/v1/auth/login', { email, password }),
  };
}

describe('tenant bootstrap from the command line', () => {
  it(
    'production refuses to let the first stranger own a CLI-made tenant; the CLI makes the owner from a password on stdin',
    async () => {
      const directory = dataDirectory();
      expect(runCli(directory, ['tenant', 'create', 'acme', '--name', 'Acme']).status).toBe(0);
      const server = await productionServer(directory);

      const stranger = await server.register('acme', { email: 'stranger@evil.example' });
      expect(stranger.statusCode).toBe(403);
      expect(stranger.json()).toEqual({
        detail: expect.stringMatching(/command line/),
        code: 'registration_closed',
        request_id: stranger.headers['x-request-id'],
      });

      const owner = runCli(
        directory,
        ['tenant', 'owner', 'acme', '--email', 'Boss@Acme.example', '--name', 'Bea', '--password-stdin'],
        `${PASSWORD}\n`,
      );
      expect(owner.status, owner.stderr).toBe(0);
      expect(owner.stdout).toMatch(/Owner boss@acme\.example created/);
      expect(owner.stdout).not.toContain(PASSWORD);

      const login = await server.login('acme', 'boss@acme.example');
      expect(login.statusCode, login.body).toBe(200);
      expect(login.json().user).toMatchObject({ role: 'owner', name: 'Bea', tenant_id: 'acme' });
      // Now that the tenant has an owner, a stranger needs an invitation like anyone else.
      expect((await server.register('acme', { email: 'stranger@evil.example' })).json().code).toBe(
        'invitation_required',
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'tenant create --owner-email prints a one-time owner invitation; registering with it makes the owner',
    async () => {
      const directory = dataDirectory();
      const created = runCli(directory, [
        'tenant',
        'create',
        'beta',
        '--name',
        'Beta',
        '--owner-email',
        'lead@beta.example',
      ]);
      expect(created.status, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^beta\tenabled\tBeta/);
      const token = /\b(mip_inv_[A-Za-z0-9_-]+)/.exec(created.stdout)?.[1];
      expect(token, created.stdout).toBeDefined();
      // The console link that opens "Accept your invitation" with everything filled in.
      expect(created.stdout).toContain(
        `http://localhost:8000/console?tenant=beta&email=lead%40beta.example&invitation=${token}`,
      );
      const server = await productionServer(directory);

      // The invitation is for its email only.
      const wrongEmail = await server.register('beta', {
        email: 'other@beta.example',
        invitation_token: token,
      });
      expect(wrongEmail.json().code).toBe('invitation_invalid');
      const accepted = await server.register('beta', { email: 'lead@beta.example', invitation_token: token });
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(accepted.json().user).toMatchObject({ email: 'lead@beta.example', role: 'owner' });
      // Usable once.
      const again = await server.register('beta', { email: 'lead@beta.example', invitation_token: token });
      expect(again.statusCode).toBe(403);
      expect(again.json().code).toBe('invitation_invalid');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'checks the owner before making the tenant: a weak password or a bad email leaves nothing behind',
    async () => {
      const directory = dataDirectory();
      const weak = runCli(
        directory,
        [
          'tenant',
          'create',
          'gamma',
          '--name',
          'Gamma',
          '--owner-email',
          'g@gamma.example',
          '--password-stdin',
        ],
        'password1\n',
      );
      expect(weak.status).toBe(2);
      expect(weak.stderr).toMatch(/too weak/);
      const badEmail = runCli(directory, [
        'tenant',
        'create',
        'gamma',
        '--name',
        'Gamma',
        '--owner-email',
        'nope',
      ]);
      expect(badEmail.status).toBe(2);
      expect(badEmail.stderr).toMatch(/Not an email address/);
      expect(runCli(directory, ['tenant', 'list']).stdout).not.toMatch(/gamma/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'production with OPEN_REGISTRATION=true keeps the first-registration convenience, explicitly',
    async () => {
      const directory = dataDirectory();
      expect(runCli(directory, ['tenant', 'create', 'delta', '--name', 'Delta']).status).toBe(0);
      const server = await productionServer(directory, { OPEN_REGISTRATION: 'true' });
      const first = await server.register('delta', { email: 'first@delta.example' });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json().user.role).toBe('owner');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('development', () => {
  it('keeps first registration open and says so in the log, at start and when a tenant is claimed', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const platform = await createTestApp({
      env: { LOG_LEVEL: 'info' },
      logStream: { write: (line) => lines.push(JSON.parse(line)) },
    });
    platforms.push(platform);
    // (That development defaults to open registration is config.test.ts's to check.)
    expect(
      lines.some(
        (line) => line.level === 40 && /^Open registration is on \(the development default\)/.test(line.msg),
      ),
    ).toBe(true);
    const first = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-tenant-id': 'miptech-company' },
      payload: { email: 'dev@example.com', password: PASSWORD },
    });
    expect(first.json().user.role).toBe('owner');
    expect(lines.some((line) => line.level === 40 && /became the owner of this tenant/.test(line.msg))).toBe(
      true,
    );
  });
});

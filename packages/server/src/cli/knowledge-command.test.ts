/**
 * `knowledge ingest | list | delete` as an operator runs them: a real CLI process on a real SQLite
 * file, its output and its exit code. Run from a temporary directory, so that the file sources are
 * the short relative paths an operator would see.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { platformEnvironment } from '../../../../tests/support/spawn-platform.ts';
import { DEMO_TENANT_ID } from '../tenancy/demo-tenant.ts';
import { startFakeOpenAi } from '../testing/fake-openai-server.ts';

const CLI_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Each command starts Node and opens the database: about a second, far more on a loaded machine. */
const CLI_TIMEOUT_MS = 20_000;

/** Per test: up to five commands in a row. */
const TEST_TIMEOUT_MS = 60_000;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let workDirectory: string;
let server: Server;
let baseUrl: string;

/**
 * Runs `main.ts <args>` in the work directory. Asynchronously, unlike the tenant tests' `runCli`:
 * the CLI fetches pages from the server in this very process, which a blocked event loop would starve.
 */
function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: workDirectory,
    env: platformEnvironment({
      dataDirectory: join(workDirectory, 'data'),
      // The test's pages are on loopback, which ingestion refuses unless the operator allows it.
      extra: { MIPTECH_DEMO: 'true', LOG_LEVEL: 'silent', OUTBOUND_ALLOW: '127.0.0.1', ...env },
    }),
    timeout: CLI_TIMEOUT_MS,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function write(path: string, content: string): void {
  mkdirSync(join(workDirectory, path, '..'), { recursive: true });
  writeFileSync(join(workDirectory, path), content);
}

/** The tab-separated fields of each output line, leaving out the demo documents should any be seeded. */
function rows(output: string): string[][] {
  return output
    .split('\n')
    .filter((line) => line.includes('\t') && !line.includes('\tdemo:'))
    .map((line) => line.split('\t'));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/about') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<title>About us</title><nav>Menu</nav><main><p>We make widgets since 1999.</p></main>');
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  workDirectory = mkdtempSync(join(tmpdir(), 'miptech-knowledge-cli-'));
  write(
    'docs/pricing.md',
    '# Pricing\n\nThe Basic plan costs 10 € a month.\n\n## Pro\n\nThe Pro plan costs 30 € a month.',
  );
  write(
    'docs/guides/setup.html',
    '<title>Setup</title><main><h2>Install</h2><p>Run the installer.</p></main>',
  );
  write('docs/notes.txt', 'Opening hours\n\nMonday to Friday, nine to five.');
});

afterEach(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe('knowledge ingest and list', { timeout: TEST_TIMEOUT_MS }, () => {
  it('ingests a directory and a page, and ingesting again stores no duplicate', async () => {
    const first = await runCli([
      'knowledge',
      'ingest',
      'docs',
      `${baseUrl}/about`,
      '--tenant',
      DEMO_TENANT_ID,
    ]);
    expect(first.status, first.stderr).toBe(0);
    expect(rows(first.stdout)).toEqual([
      ['created', 'docs/guides/setup.html', '1 passage', 'Setup'],
      ['created', 'docs/notes.txt', '1 passage', 'Opening hours'],
      ['created', 'docs/pricing.md', '1 passage', 'Pricing'],
      ['created', `${baseUrl}/about`, '1 passage', 'About us'],
    ]);
    expect(first.stdout).toContain('4 created, 0 updated, 0 unchanged, 0 skipped, 0 failed');

    const second = await runCli([
      'knowledge',
      'ingest',
      'docs',
      `${baseUrl}/about`,
      '--tenant',
      DEMO_TENANT_ID,
    ]);
    expect(second.status, second.stderr).toBe(0);
    expect(rows(second.stdout).map((row) => row[0])).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(second.stdout).toContain('0 created, 0 updated, 4 unchanged, 0 skipped, 0 failed');

    const listed = await runCli(['knowledge', 'list', '--tenant', DEMO_TENANT_ID]);
    expect(listed.status, listed.stderr).toBe(0);
    // By title: one line each, id first.
    expect(rows(listed.stdout).map((row) => row.slice(1))).toEqual([
      ['1', 'About us', `${baseUrl}/about`],
      ['1', 'Opening hours', 'docs/notes.txt'],
      ['1', 'Pricing', 'docs/pricing.md'],
      ['1', 'Setup', 'docs/guides/setup.html'],
    ]);
    for (const row of rows(listed.stdout)) expect(row[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('updates an edited file in place', async () => {
    expect(
      (await runCli(['knowledge', 'ingest', 'docs/pricing.md', '--tenant', DEMO_TENANT_ID])).status,
    ).toBe(0);
    write('docs/pricing.md', '# Prices\n\nEverything is free this month.');
    const edited = await runCli(['knowledge', 'ingest', './docs/pricing.md', '--tenant', DEMO_TENANT_ID]);
    expect(edited.status, edited.stderr).toBe(0);
    expect(rows(edited.stdout)).toEqual([['updated', 'docs/pricing.md', '1 passage', 'Prices']]);
    const listed = await runCli(['knowledge', 'list', '--tenant', DEMO_TENANT_ID]);
    expect(rows(listed.stdout).map((row) => row.slice(2))).toEqual([['Prices', 'docs/pricing.md']]);
  });

  it('exits 1 when a source failed, after ingesting the others', async () => {
    const result = await runCli([
      'knowledge',
      'ingest',
      'missing.md',
      `${baseUrl}/gone`,
      'docs/notes.txt',
      '--tenant',
      DEMO_TENANT_ID,
    ]);
    expect(result.status).toBe(1);
    expect(rows(result.stderr)).toEqual([
      ['failed', 'missing.md', 'no such file or directory'],
      ['failed', `${baseUrl}/gone`, 'HTTP 404 Not Found'],
    ]);
    expect(rows(result.stdout)).toEqual([['created', 'docs/notes.txt', '1 passage', 'Opening hours']]);
    expect(result.stdout).toContain('1 created, 0 updated, 0 unchanged, 0 skipped, 2 failed');
  });

  it('refuses a tenant that does not exist, and a missing --tenant, with a usage error', async () => {
    const unknown = await runCli(['knowledge', 'ingest', 'docs', '--tenant', 'nobody']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('No tenant "nobody"');
    const missing = await runCli(['knowledge', 'list']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('knowledge list: --tenant is required');
    expect(missing.stderr).toContain('knowledge ingest <file|dir|url>...');
  });
});

describe('knowledge delete', { timeout: TEST_TIMEOUT_MS }, () => {
  it("deletes a document by id, and refuses an id that is not the tenant's", async () => {
    await runCli(['knowledge', 'ingest', 'docs', '--tenant', DEMO_TENANT_ID]);
    const before = rows((await runCli(['knowledge', 'list', '--tenant', DEMO_TENANT_ID])).stdout);
    const pricing = before.find((row) => row[3] === 'docs/pricing.md')?.[0] ?? '';

    const deleted = await runCli(['knowledge', 'delete', pricing, '--tenant', DEMO_TENANT_ID]);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted ${pricing}`);
    const after = rows((await runCli(['knowledge', 'list', '--tenant', DEMO_TENANT_ID])).stdout);
    expect(after.map((row) => row[3])).toEqual(['docs/notes.txt', 'docs/guides/setup.html']);

    const again = await runCli(['knowledge', 'delete', pricing, '--tenant', DEMO_TENANT_ID]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain(`No document "${pricing}"`);
  });
});

describe('knowledge embed', { timeout: TEST_TIMEOUT_MS }, () => {
  it('ingest embeds the new passages; a provider failure does not fail the ingest, and embed fills them in later', async () => {
    const fake = await startFakeOpenAi({ apiKey: 'sk-right' });
    try {
      const embedding = (key: string) => ({
        EMBEDDING_PROVIDER: 'openai-compatible',
        EMBEDDING_BASE_URL: fake.url,
        EMBEDDING_MODEL: 'fake-embed',
        EMBEDDING_API_KEY: key,
      });
      const ingested = await runCli(
        ['knowledge', 'ingest', 'docs', '--tenant', DEMO_TENANT_ID],
        embedding('sk-wrong'),
      );
      expect(ingested.status, ingested.stderr + ingested.stdout).toBe(0);
      expect(ingested.stdout, ingested.stderr + ingested.stdout).toContain('3 created');
      expect(ingested.stderr, ingested.stdout).toContain('embeddings failed after 0 passages');
      expect(ingested.stderr).not.toContain('sk-wrong');

      const embedded = await runCli(
        ['knowledge', 'embed', '--tenant', DEMO_TENANT_ID],
        embedding('sk-right'),
      );
      expect(embedded.status).toBe(0);
      expect(embedded.stdout).toMatch(/embeddings: [1-9]\d* passages embedded/);
      expect(fake.embeddedTexts().some((text) => text.includes('The Pro plan costs 30 € a month.'))).toBe(
        true,
      );

      const requests = fake.embeddingRequests().length;
      const again = await runCli(['knowledge', 'embed', '--tenant', DEMO_TENANT_ID], embedding('sk-right'));
      expect(again.stdout).toContain('embeddings: 0 passages embedded');
      expect(fake.embeddingRequests()).toHaveLength(requests);

      const off = await runCli(['knowledge', 'embed', '--tenant', DEMO_TENANT_ID]);
      expect(off.stdout).toContain('has no embedding model');
    } finally {
      await fake.close();
    }
  });
});

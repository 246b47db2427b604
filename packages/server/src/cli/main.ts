/**
 * The command line: `npm start`, `npm run cli -- <command>`.
 *
 *   start                                   run the platform
 *   migrate                                 apply pending schema migrations
 *   tenant create <id> --name N [--origin O]... [--owner-email E [--owner-name N] [--password-stdin]]
 *   tenant owner <id> --email E [--name N] [--password-stdin]
 *   tenant list
 *   tenant update <id> [--name N] [--origin O]...   (--origin replaces the list)
 *   tenant disable <id> | tenant enable <id>
 *   knowledge ingest <file|dir|url>... --tenant T   add or update documents (exit 1 if any failed)
 *   knowledge list --tenant T
 *   knowledge delete <document-id> --tenant T
 *   knowledge embed --tenant T                      embed passages that have no vector (hybrid retrieval)
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  consoleInvitationPath,
  createOwner,
  inviteOwner,
  ownerPasswordProblems,
} from '../auth/owner-bootstrap.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { createHybridKnowledge } from '../knowledge/hybrid-knowledge.ts';
import { ingestSources, type SourceReport } from '../knowledge/ingest.ts';
import type { EmbeddingReport } from '../knowledge/passage-embedding.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { startServer } from '../server.ts';
import { openStore } from '../storage/open-store.ts';
import { ConflictError, type Store, type Tenant } from '../storage/store.ts';
import { ensureDemoTenant } from '../tenancy/demo-tenant.ts';
import { isTenantId } from '../tenancy/tenant-id.ts';

const USAGE = `Usage: npm run cli -- <command>

  start                                        run the platform (same as npm start)
  migrate                                      apply pending schema migrations
  tenant create <id> --name <name> [--origin <url>]...
                [--owner-email <email> [--owner-name <name>] [--password-stdin]]
                                               with --owner-email, also its first owner: an
                                               invitation (printed once), or with --password-stdin
                                               an account with the password read from stdin
  tenant owner <id> --email <email> [--name <name>] [--password-stdin]
                                               add an owner to an existing tenant, the same way
  tenant list
  tenant update <id> [--name <name>] [--origin <url>]...   (--origin replaces the list)
  tenant disable <id>
  tenant enable <id>
  knowledge ingest <file|dir|url>... --tenant <id>   add or update documents (.md, .html, .txt,
                                               pages, sitemaps); files are named by their path
                                               relative to the current directory
  knowledge list --tenant <id>                 id, passages, title and source of each document
  knowledge delete <document-id> --tenant <id>
  knowledge embed --tenant <id>                embed the passages that have no vector yet, with the
                                               tenant's embedding model (ingest does it too)`;

class UsageError extends Error {}

function normaliseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`Not an origin: "${value}" (expected e.g. https://www.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`Origin must be http(s): "${value}"`);
  return url.origin;
}

function printTenant(tenant: Tenant): void {
  const origins = tenant.allowed_origins.join(', ') || '(none)';
  console.log(`${tenant.id}\t${tenant.enabled ? 'enabled' : 'disabled'}\t${tenant.name}\t${origins}`);
}

/** parseArgs throws a TypeError for a mistyped option; for the CLI that is a usage mistake. */
function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        origin: { type: 'string', multiple: true },
        tenant: { type: 'string' },
        'owner-email': { type: 'string' },
        'owner-name': { type: 'string' },
        email: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function tenantCommand(store: Store, args: string[]): Promise<void> {
  const { values, positionals } = parseOptions(args);
  const [action, id] = positionals;
  if (action === 'list') {
    for (const tenant of await store.listTenants()) printTenant(tenant);
    return;
  }
  if (!id) throw new UsageError(`tenant ${action ?? ''}: missing the tenant id`);
  if (!isTenantId(id))
    throw new UsageError(`"${id}" is not a valid tenant id (lowercase letters, digits, dashes)`);
  const origins = values.origin?.map(normaliseOrigin);
  let tenant: Tenant | undefined;
  switch (action) {
    case 'create': {
      if (!values.name) throw new UsageError('tenant create: --name is required');
      if (values['password-stdin'] && !values['owner-email'])
        throw new UsageError('tenant create: --password-stdin needs --owner-email');
      // Everything about the owner is checked before the tenant exists, so a mistake leaves nothing half made.
      const owner = values['owner-email']
        ? await ownerRequest(values['owner-email'], values['owner-name'], values['password-stdin'])
        : undefined;
      tenant = await store.createTenant({ id, name: values.name, allowed_origins: origins ?? [] });
      printTenant(tenant);
      if (owner) await addOwner(store, tenant.id, owner);
      return;
    }
    case 'owner': {
      if (!values.email) throw new UsageError('tenant owner: --email is required');
      const owner = await ownerRequest(values.email, values.name, values['password-stdin']);
      if (!(await store.getTenant(id))) throw new UsageError(`No tenant "${id}"`);
      await addOwner(store, id, owner);
      return;
    }
    case 'update':
      tenant = await store.updateTenant(id, { name: values.name, allowed_origins: origins });
      break;
    case 'disable':
    case 'enable':
      tenant = await store.updateTenant(id, { enabled: action === 'enable' });
      break;
    default:
      throw new UsageError(`Unknown tenant command: ${action ?? '(none)'}`);
  }
  if (!tenant) throw new UsageError(`No tenant "${id}"`);
  printTenant(tenant);
}

interface OwnerRequest {
  email: string;
  name: string | undefined;
  /** Undefined: make an invitation instead. */
  password: string | undefined;
}

/** Reads all of stdin; one trailing newline (what `echo` and a here-string add) is not part of it. */
async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

/** Checks the owner's email and, with `--password-stdin`, reads and checks the password. */
async function ownerRequest(
  email: string,
  name: string | undefined,
  passwordFromStdin: boolean | undefined,
): Promise<OwnerRequest> {
  if (!z.email().safeParse(email.trim()).success) throw new UsageError(`Not an email address: "${email}"`);
  if (!passwordFromStdin) return { email, name, password: undefined };
  const password = await readStdin();
  const problems = ownerPasswordProblems(password, { email, name });
  if (problems.length > 0)
    throw new UsageError(`The password read from stdin is too weak: ${problems.join(' ')}`);
  return { email, name, password };
}

/** Creates the owner (with a password) or prints a one-time owner invitation. */
async function addOwner(store: Store, tenantId: string, owner: OwnerRequest): Promise<void> {
  if (owner.password !== undefined) {
    const created = await createOwner(store, tenantId, { ...owner, password: owner.password });
    console.log(`Owner ${created.email} created for tenant ${tenantId}; they can log in now.`);
    return;
  }
  const invitation = await inviteOwner(store, tenantId, owner.email);
  const body = JSON.stringify({
    email: invitation.email,
    password: '<a passphrase of 10+ characters>',
    invitation_token: invitation.invitation_token,
  });
  console.log(
    [
      `Owner invitation for ${invitation.email} (usable once, until ${invitation.expires_at}); it is shown only now:`,
      `  ${invitation.invitation_token}`,
      'They become the owner by opening this link in the console and choosing a password',
      "(your platform's address in place of http://localhost:8000):",
      `  http://localhost:8000${consoleInvitationPath({ tenant_id: tenantId, ...invitation })}`,
      'or by registering over the API:',
      `  curl -X POST http://localhost:8000/api/v1/auth/register -H 'X-Tenant-ID: ${tenantId}' \\`,
      `    -H 'Content-Type: application/json' -d '${body}'`,
    ].join('\n'),
  );
}

/** The tenant named by `--tenant`, which must exist: documents of no tenant would be unreachable. */
async function requireTenant(store: Store, id: string | undefined, action: string): Promise<string> {
  if (!id) throw new UsageError(`knowledge ${action}: --tenant is required`);
  if (!(await store.getTenant(id))) {
    throw new UsageError(`No tenant "${id}" (create it with: npm run cli -- tenant create ${id} --name ...)`);
  }
  return id;
}

function printSourceReport(report: SourceReport): void {
  const detail =
    report.outcome === 'failed' || report.outcome === 'skipped'
      ? report.reason
      : `${report.passage_count} passage${report.passage_count === 1 ? '' : 's'}\t${report.title}`;
  const line = `${report.outcome}\t${report.source}\t${detail}`;
  if (report.outcome === 'failed') console.error(line);
  else console.log(line);
}

/**
 * Embeds the tenant's passages that have no vector under its embedding model and prints what
 * happened; a tenant without a model prints nothing. A failure is printed but is not the ingest's.
 */
async function embedKnowledge(store: Store, config: Config, tenant: string): Promise<EmbeddingReport> {
  const hybrid = createHybridKnowledge({
    lexical: store.knowledge,
    vectors: store.vectors,
    config: config.embedding,
    settingsOf: async (id) => (await store.getTenant(id))?.assistant,
    outbound: new OutboundPolicy({ allow: config.outboundAllow }),
    // The report below says it; the run's own lines would repeat it.
    log: { info: () => {}, warn: () => {} },
  });
  const report = await hybrid.embedding.update(tenant);
  if (report.status === 'done') {
    console.log(`embeddings: ${report.embedded} passages embedded, ${report.pruned} unused vectors removed`);
  } else if (report.status === 'failed') {
    console.error(
      `embeddings failed after ${report.embedded} passages: ${report.error}; ` +
        'the others are found by their words until `knowledge embed` is run again',
    );
  }
  return report;
}

async function knowledgeCommand(store: Store, args: string[], config: Config): Promise<void> {
  const { outboundAllow } = config;
  const { values, positionals } = parseOptions(args);
  const [action, ...targets] = positionals;
  switch (action) {
    case 'ingest': {
      if (!targets.length) throw new UsageError('knowledge ingest: name at least one file, directory or URL');
      const tenant = await requireTenant(store, values.tenant, action);
      // Pages and sitemap entries obey the outbound policy, with the operator's OUTBOUND_ALLOW.
      const fetch = createGuardedFetch(new OutboundPolicy({ allow: outboundAllow }));
      const report = await ingestSources(store.knowledge, tenant, targets, {
        onSource: printSourceReport,
        fetch,
      });
      const { totals } = report;
      console.log(
        `${totals.created} created, ${totals.updated} updated, ${totals.unchanged} unchanged, ` +
          `${totals.skipped} skipped, ${totals.failed} failed`,
      );
      await embedKnowledge(store, config, tenant);
      // A script that ingests on deploy must notice a dead link or an unreadable file.
      if (totals.failed) process.exitCode = 1;
      return;
    }
    case 'embed': {
      const tenant = await requireTenant(store, values.tenant, action);
      const report = await embedKnowledge(store, config, tenant);
      if (report.status === 'off') console.log(`Tenant "${tenant}" has no embedding model: nothing to do`);
      if (report.status === 'failed') process.exitCode = 1;
      return;
    }
    case 'list': {
      const tenant = await requireTenant(store, values.tenant, action);
      for (const document of await store.knowledge.listDocuments(tenant)) {
        console.log(`${document.id}\t${document.passage_count}\t${document.title}\t${document.source}`);
      }
      return;
    }
    case 'delete': {
      const [documentId] = targets;
      if (!documentId) throw new UsageError('knowledge delete: missing the document id');
      const tenant = await requireTenant(store, values.tenant, action);
      if (!(await store.knowledge.deleteDocument(tenant, documentId))) {
        throw new UsageError(`No document "${documentId}" for tenant "${tenant}"`);
      }
      console.log(`Deleted ${documentId}`);
      return;
    }
    default:
      throw new UsageError(`Unknown knowledge command: ${action ?? '(none)'}`);
  }
}

async function runStoreCommand(config: Config, command: string, args: string[]): Promise<void> {
  const store = openStore(config);
  try {
    const applied = await store.migrate();
    if (command === 'migrate') {
      console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date');
    } else if (command === 'tenant') {
      await tenantCommand(store, args);
    } else {
      // As `npm start` would: a fresh development data directory can be filled before the first start.
      if (config.seedDemo) await ensureDemoTenant(store);
      await knowledgeCommand(store, args, config);
    }
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'start') {
    await startServer(loadConfig());
    return;
  }
  if (command !== 'migrate' && command !== 'tenant' && command !== 'knowledge') {
    throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
  }
  await runStoreCommand(loadConfig(), command, rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof ConfigError || error instanceof ConflictError) console.error(error.message);
  else console.error(error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

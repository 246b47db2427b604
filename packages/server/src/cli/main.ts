/**
 * The command line: `npm start`, `npm run cli -- <command>`.
 *
 *   start                                   run the platform
 *   migrate                                 apply pending schema migrations
 *   tenant create <id> --name N [--origin O]...
 *   tenant list
 *   tenant update <id> [--name N] [--origin O]...   (--origin replaces the list)
 *   tenant disable <id> | tenant enable <id>
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { openStore } from '../storage/open-store.ts';
import { ConflictError, type Store, type Tenant } from '../storage/store.ts';
import { isTenantId } from '../tenancy/tenant-id.ts';

const USAGE = `Usage: npm run cli -- <command>

  start                                        run the platform (same as npm start)
  migrate                                      apply pending schema migrations
  tenant create <id> --name <name> [--origin <url>]...
  tenant list
  tenant update <id> [--name <name>] [--origin <url>]...   (--origin replaces the list)
  tenant disable <id>
  tenant enable <id>`;

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
      options: { name: { type: 'string' }, origin: { type: 'string', multiple: true } },
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
    case 'create':
      if (!values.name) throw new UsageError('tenant create: --name is required');
      tenant = await store.createTenant({ id, name: values.name, allowed_origins: origins ?? [] });
      break;
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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'start') {
    await startServer(loadConfig());
    return;
  }
  if (command !== 'migrate' && command !== 'tenant') {
    throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
  }
  const store = openStore(loadConfig());
  try {
    const applied = await store.migrate();
    if (command === 'migrate') {
      console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Schema is up to date');
    } else {
      await tenantCommand(store, rest);
    }
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof ConfigError || error instanceof ConflictError) console.error(error.message);
  else console.error(error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

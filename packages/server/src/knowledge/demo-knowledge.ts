/**
 * The demo tenant's knowledge base: the Markdown files of `packages/server/knowledge/
 * miptech-company/`, loaded at start so that `npm start` answers questions about MIPTech out of
 * the box. Each file is stored with source `demo:<file name>` and, as its link, the page of the
 * demo site (`apps/demo`, served by the platform at `/`) that covers it: a path on the platform
 * itself, which the widget resolves against the platform's URL, so the link works wherever the
 * widget is embedded. A file no page covers has no link (`url` null) rather than a dead one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UpsertResult } from '../storage/knowledge-store.ts';
import type { Store } from '../storage/store.ts';
import { DEMO_TENANT_ID } from '../tenancy/demo-tenant.ts';
import { prepareDocument } from './prepare-document.ts';

/** Where the demo documents live, next to `src/` in the server package. */
export const DEMO_KNOWLEDGE_DIRECTORY = join(import.meta.dirname, '..', '..', 'knowledge', DEMO_TENANT_ID);

/** The demo site's page for each demo document. */
export const DEMO_PAGE_OF: Record<string, string> = {
  'services.md': '/services',
  'pricing.md': '/services',
  'ai-assistant.md': '/services',
  'about.md': '/about',
  'approach.md': '/about',
  'contact.md': '/contact',
};

/** The prefix of every demo document's source. */
export const DEMO_SOURCE_PREFIX = 'demo:';

/** What {@link ensureDemoKnowledge} did, per document. */
export interface DemoKnowledgeReport extends Record<UpsertResult['outcome'], number> {
  /** Demo documents whose file is gone, deleted from the knowledge base. */
  removed: number;
  /** False when the demo tenant does not exist (nothing was done). */
  tenant_found: boolean;
}

/** The logger calls this module makes (a pino or Fastify logger fits). */
export interface DemoKnowledgeLog {
  info(details: object, message: string): void;
}

/**
 * Loads the demo documents into the demo tenant's knowledge base, if that tenant exists.
 * Idempotent: an unchanged file has the same content hash, so a restart writes nothing; a changed
 * file replaces its document; a deleted file's document is removed.
 *
 * @example
 * await ensureDemoTenant(store);
 * await ensureDemoKnowledge(store, log); // { created: 7, updated: 0, unchanged: 0, removed: 0, … }
 */
export async function ensureDemoKnowledge(
  store: Store,
  log?: DemoKnowledgeLog,
  directory: string = DEMO_KNOWLEDGE_DIRECTORY,
): Promise<DemoKnowledgeReport> {
  const report: DemoKnowledgeReport = {
    created: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    tenant_found: false,
  };
  if (!(await store.getTenant(DEMO_TENANT_ID))) return report;
  report.tenant_found = true;

  const files = (await readdir(directory)).filter((file) => file.endsWith('.md')).sort();
  const sources = new Set<string>();
  for (const file of files) {
    const source = `${DEMO_SOURCE_PREFIX}${file}`;
    sources.add(source);
    const body = await readFile(join(directory, file), 'utf8');
    const document = prepareDocument({
      tenant_id: DEMO_TENANT_ID,
      source,
      body,
      format: 'markdown',
      url: DEMO_PAGE_OF[file] ?? null,
    });
    const { outcome } = await store.knowledge.upsertDocument(document);
    report[outcome] += 1;
  }
  for (const document of await store.knowledge.listDocuments(DEMO_TENANT_ID)) {
    if (!document.source.startsWith(DEMO_SOURCE_PREFIX) || sources.has(document.source)) continue;
    if (await store.knowledge.deleteDocument(DEMO_TENANT_ID, document.id)) report.removed += 1;
  }
  if (report.created + report.updated + report.removed > 0) {
    log?.info({ tenant_id: DEMO_TENANT_ID, ...report }, 'demo knowledge loaded');
  }
  return report;
}

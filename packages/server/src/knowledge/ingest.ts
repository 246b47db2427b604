/**
 * Loads sources into a tenant's knowledge base: read (`load-sources.ts`), parse and split
 * (`prepare-document.ts`), store. Each source is stored as soon as it is read, so a long crawl
 * keeps one page in memory at a time and an interrupted run keeps what it had stored.
 */
import type { KnowledgeStore } from '../storage/knowledge-store.ts';
import { type LoadOptions, loadSources, type RawDocument } from './load-sources.ts';
import { EmptyDocumentError, prepareDocument } from './prepare-document.ts';

/** What happened to one source. */
export type IngestOutcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

/** One source's line in the report. */
export interface SourceReport {
  /** The file's path relative to the working directory, or the page's URL. */
  source: string;
  outcome: IngestOutcome;
  /** Why it was skipped or failed. */
  reason?: string;
  /** The stored document, when there is one. */
  document_id?: string;
  title?: string;
  passage_count?: number;
}

/** The result of {@link ingestSources}. */
export interface IngestReport {
  /** One entry per source, in the order they were read. */
  sources: SourceReport[];
  /** How many sources had each outcome. */
  totals: Record<IngestOutcome, number>;
}

/** Options of {@link ingestSources}: the loader's limits, and a callback per source for progress. */
export interface IngestOptions extends LoadOptions {
  /** Called as each source is done, before the next is read. */
  onSource?: (report: SourceReport) => void;
}

/**
 * Ingests every document the inputs name into the tenant's knowledge base. Never throws for one
 * source's problem: it is reported as `failed` and the run goes on.
 *
 * @example
 * const report = await ingestSources(store.knowledge, 'acme', ['docs', 'https://acme.example/faq']);
 * if (report.totals.failed) process.exitCode = 1;
 */
export async function ingestSources(
  knowledge: KnowledgeStore,
  tenant_id: string,
  inputs: string[],
  options: IngestOptions = {},
): Promise<IngestReport> {
  const report: IngestReport = {
    sources: [],
    totals: { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
  };
  for await (const loaded of loadSources(inputs, options)) {
    const entry =
      loaded.status === 'loaded'
        ? await store(knowledge, tenant_id, loaded.document)
        : { source: loaded.source, outcome: loaded.status, reason: loaded.reason };
    report.sources.push(entry);
    report.totals[entry.outcome]++;
    options.onSource?.(entry);
  }
  return report;
}

async function store(
  knowledge: KnowledgeStore,
  tenant_id: string,
  document: RawDocument,
): Promise<SourceReport> {
  const { source } = document;
  try {
    const prepared = prepareDocument({ tenant_id, ...document });
    const { document: stored, outcome } = await knowledge.upsertDocument(prepared);
    return {
      source,
      outcome,
      document_id: stored.id,
      title: stored.title,
      passage_count: stored.passage_count,
    };
  } catch (error) {
    const reason = error instanceof EmptyDocumentError ? 'no text to index' : (error as Error).message;
    return { source, outcome: 'failed', reason };
  }
}

/**
 * `npm run eval [-- --corpus <name>=<path>] [-- --set <name>] [-- --dump <prefix>] [-- --no-held-out]`: how well the built-in responder
 * answers, with no model, on
 *
 * - the demo tenant's knowledge (`demo-questions.json`, written by the same hands as the
 *   knowledge and the responder);
 * - each external documentation set of `sets/` whose corpus is present (`npm run eval:corpora`,
 *   or `--corpus`), its tuning questions and its held-out split reported apart.
 *
 * Prints the misses and one summary table (measures in `score.ts`). Exits non-zero only when it
 * crashes: scores are for reading.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDemoKnowledge } from '../packages/server/src/knowledge/demo-knowledge.ts';
import { prepareDocument } from '../packages/server/src/knowledge/prepare-document.ts';
import { SqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from '../packages/server/src/tenancy/demo-tenant.ts';
import { ask, evalResponder } from './ask.ts';
import { CORPORA, defaultRoot, readCorpus } from './corpora.ts';
import { type EvalQuestion, type Outcome, printMisses, score, summaryRow } from './score.ts';

/** How many passages are read to find the first three distinct documents. */
const SEARCH_LIMIT = 20;

/** What a tenant of an external set is called in replies. */
const TENANT_NAMES: Record<string, string> = { directus: 'Directus', npm: 'npm' };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
      dump: { type: 'string' },
      'no-held-out': { type: 'boolean' },
    },
  });
  const roots = new Map(CORPORA.map((spec) => [spec.name, defaultRoot(spec)]));
  for (const given of values.corpus ?? []) {
    const [name, path] = given.split('=');
    if (!name || !path || !roots.has(name))
      throw new Error(`--corpus expects <name>=<path>, name one of ${[...roots.keys()].join(', ')}`);
    roots.set(name, path);
  }
  const wanted = (name: string) => !values.set || values.set.includes(name);
  const started = performance.now();
  const summary: Record<string, Record<string, string>> = {};
  const store = new SqliteStore({ path: ':memory:' });
  try {
    await store.migrate();
    if (wanted('demo')) {
      await ensureDemoTenant(store);
      await ensureDemoKnowledge(store);
      const raw = JSON.parse(
        await readFile(join(import.meta.dirname, 'demo-questions.json'), 'utf8'),
      ) as Array<{
        question: string;
        expected_source: string | null;
      }>;
      const questions = raw.map((item) => ({
        question: item.question,
        expected: item.expected_source === null ? null : [item.expected_source],
      }));
      const tenant = { id: DEMO_TENANT_ID, name: 'MIPTech' };
      const outcomes = await run(store, tenant, questions);
      if (!values.quiet) printMisses('demo', outcomes);
      summary.demo = summaryRow(score(outcomes));
    }
    for (const spec of CORPORA.filter((candidate) => wanted(candidate.name))) {
      const root = roots.get(spec.name) as string;
      const files = await readCorpus(root);
      if (!files) {
        console.log(
          `\n${spec.name}: no corpus at ${root} (npm run eval:corpora, or --corpus ${spec.name}=<path>)`,
        );
        continue;
      }
      const tenant = { id: `eval-${spec.name}`, name: TENANT_NAMES[spec.name] ?? spec.name };
      await store.createTenant({ id: tenant.id, name: tenant.name, allowed_origins: [] });
      let ingested = 0;
      for (const file of files) {
        try {
          await store.knowledge.upsertDocument(
            prepareDocument({
              tenant_id: tenant.id,
              source: `${spec.name}:${file.path}`,
              body: file.body,
              format: 'markdown',
              url: spec.urlBase + file.path.replace(/\.mdx?$/i, ''),
            }),
          );
          ingested++;
        } catch {
          // A file with no text (an empty index page) is skipped, as `knowledge ingest` does.
        }
      }
      console.log(`\n${spec.name}: ${ingested} of ${files.length} documents from ${root}`);
      const splits = values['no-held-out'] ? ['questions'] : ['questions', 'held-out'];
      for (const split of splits) {
        const questions = JSON.parse(
          await readFile(join(import.meta.dirname, 'sets', spec.name, `${split}.json`), 'utf8'),
        ) as EvalQuestion[];
        const prefixed = questions.map((item) => ({
          ...item,
          expected: item.expected?.map((path) => `${spec.name}:${path}`) ?? null,
        }));
        const outcomes = await run(store, tenant, prefixed);
        const label = `${spec.name} ${split === 'questions' ? 'tuning' : 'HELD-OUT'}`;
        // The held-out split is scored, never read question by question: its misses would invite
        // tuning on it. `--dump` writes the tuning split's outcomes for study.
        if (split === 'questions') {
          if (!values.quiet) printMisses(label, outcomes);
          if (values.dump)
            await writeFile(`${values.dump}.${spec.name}.json`, JSON.stringify(outcomes, null, 2));
        }
        summary[label] = summaryRow(score(outcomes));
      }
    }
    console.log('\nSummary (answer measures are the built-in responder with no model)\n');
    console.table(summary);
    console.log(`\nRan in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
}

/** Asks every question of a set, with the raw search beside each reply. */
async function run(
  store: SqliteStore,
  tenant: { id: string; name: string },
  questions: EvalQuestion[],
): Promise<Outcome[]> {
  const sourceOf = new Map(
    (await store.knowledge.listDocuments(tenant.id)).map((document) => [document.id, document.source]),
  );
  const responder = evalResponder(store.knowledge);
  const outcomes: Outcome[] = [];
  for (const item of questions) {
    const hits = await store.knowledge.search(tenant.id, item.question, { limit: SEARCH_LIMIT });
    const reply = await ask(responder, tenant, item.question);
    outcomes.push({
      item,
      retrieved: [...new Set(hits.map((hit) => hit.source))],
      cited: reply.documentIds.map((id) => sourceOf.get(id) ?? id),
      text: reply.text,
      elapsedMs: reply.elapsedMs,
    });
  }
  return outcomes;
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}

/**
 * `npm run eval`: how well the demo tenant's knowledge base and the built-in responder answer the
 * questions of `demo-questions.json`. Loads the demo knowledge into an in-memory SQLite store,
 * then measures, per question:
 *
 * - retrieval: is the expected document the first (hit@1) or among the first three (hit@3)
 *   distinct documents the store's search returns for the raw question;
 * - the answer: does the `KnowledgeResponder` cite the expected document (citation accuracy, over
 *   the on-topic questions it answered), refuse an off-topic question with "I couldn't find that"
 *   and a human offer and no sources (off-topic refusal), or wrongly refuse an on-topic one
 *   (false don't-know).
 *
 * Prints the misses and a summary. Exits non-zero only when it crashes: scores are for reading.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KnowledgeResponder } from '../packages/server/src/assistant/knowledge-responder.ts';
import type { ResponderInput, ResponderPart } from '../packages/server/src/assistant/responder.ts';
import { ensureDemoKnowledge } from '../packages/server/src/knowledge/demo-knowledge.ts';
import { SqliteStore } from '../packages/server/src/storage/sqlite/sqlite-store.ts';
import type { ChatRecord, MessageRecord } from '../packages/server/src/storage/store.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from '../packages/server/src/tenancy/demo-tenant.ts';

interface EvalQuestion {
  question: string;
  /** `demo:<file>`, or null when the right answer is "I don't know" and a human offer. */
  expected_source: string | null;
}

interface Outcome {
  item: EvalQuestion;
  /** Distinct documents retrieval returned, best first. */
  retrieved: string[];
  /** Sources the reply cited, in order. */
  cited: string[];
  refused: boolean;
  text: string;
}

/** How many passages are read to find the first three distinct documents. */
const SEARCH_LIMIT = 20;

async function main(): Promise<void> {
  const started = performance.now();
  const questions = JSON.parse(
    await readFile(join(import.meta.dirname, 'demo-questions.json'), 'utf8'),
  ) as EvalQuestion[];
  const store = new SqliteStore({ path: ':memory:' });
  try {
    await store.migrate();
    await ensureDemoTenant(store);
    const loaded = await ensureDemoKnowledge(store);
    const tenant = await store.getTenant(DEMO_TENANT_ID);
    if (!tenant) throw new Error('the demo tenant was not created');
    const sourceOf = new Map(
      (await store.knowledge.listDocuments(DEMO_TENANT_ID)).map((document) => [document.id, document.source]),
    );
    const responder = new KnowledgeResponder({ retriever: store.knowledge, chunkDelayMs: 0 });

    const outcomes: Outcome[] = [];
    for (const item of questions) {
      const hits = await store.knowledge.search(DEMO_TENANT_ID, item.question, { limit: SEARCH_LIMIT });
      const retrieved = [...new Set(hits.map((hit) => hit.source))];
      const reply = await collect(responder.respond(inputFor(tenant.name, item.question)));
      const cited = reply.sources.map((source) => sourceOf.get(source.document_id) ?? source.document_id);
      const refused =
        reply.text.includes("couldn't find that") && reply.text.includes('connect you') && cited.length === 0;
      outcomes.push({ item, retrieved, cited, refused, text: reply.text });
    }

    printMisses(outcomes);
    printSummary(outcomes, loaded.created + loaded.updated + loaded.unchanged, performance.now() - started);
  } finally {
    await store.close();
  }
}

/** A visitor's first message in a fresh chat with the demo tenant, with default settings. */
function inputFor(tenantName: string, question: string): ResponderInput {
  const time = new Date().toISOString();
  const chat: ChatRecord = {
    id: 'eval-chat',
    tenant_id: DEMO_TENANT_ID,
    session_id: 'eval-session',
    visitor_id: 'eval-visitor',
    title: 'Eval',
    status: 'active',
    assigned_to: null,
    context: {},
    last_seq: 1,
    created_at: time,
    updated_at: time,
  };
  const message: MessageRecord = {
    id: 'eval-message',
    chat_id: chat.id,
    seq: 1,
    role: 'user',
    content: question,
    metadata: {},
    client_message_id: null,
    status: 'complete',
    created_at: time,
    updated_at: time,
  };
  return {
    tenant_id: DEMO_TENANT_ID,
    tenant_name: tenantName,
    settings: {},
    chat,
    history: [],
    message,
    signal: new AbortController().signal,
  };
}

async function collect(parts: AsyncIterable<ResponderPart>) {
  let text = '';
  const sources: Array<{ document_id: string }> = [];
  for await (const part of parts) {
    if (part.type === 'text') text += part.text;
    if (part.type === 'sources') sources.push(...part.sources);
  }
  return { text, sources };
}

function isMiss(outcome: Outcome): boolean {
  const expected = outcome.item.expected_source;
  if (expected === null) return !outcome.refused;
  return outcome.retrieved[0] !== expected || !outcome.cited.includes(expected);
}

function printMisses(outcomes: Outcome[]): void {
  const misses = outcomes.filter(isMiss);
  console.log(`\nMisses (${misses.length} of ${outcomes.length})\n`);
  if (misses.length === 0) return;
  const rows = misses.map((outcome) => ({
    question: outcome.item.question,
    expected: outcome.item.expected_source ?? '(none: refuse)',
    retrieved: outcome.retrieved.slice(0, 3).join(', ') || '-',
    cited: outcome.refused ? "(don't know)" : outcome.cited.join(', ') || '-',
  }));
  console.table(rows);
}

function printSummary(outcomes: Outcome[], documents: number, elapsedMs: number): void {
  const onTopic = outcomes.filter((outcome) => outcome.item.expected_source !== null);
  const offTopic = outcomes.filter((outcome) => outcome.item.expected_source === null);
  const answered = onTopic.filter((outcome) => !outcome.refused);
  const expected = (outcome: Outcome) => outcome.item.expected_source as string;
  const share = (part: number, whole: number) => (whole === 0 ? 'n/a' : (part / whole).toFixed(2));
  const count = (list: Outcome[], test: (outcome: Outcome) => boolean) => list.filter(test).length;

  const hitAt1 = count(onTopic, (outcome) => outcome.retrieved[0] === expected(outcome));
  const hitAt3 = count(onTopic, (outcome) => outcome.retrieved.slice(0, 3).includes(expected(outcome)));
  const citedRight = count(answered, (outcome) => outcome.cited.includes(expected(outcome)));
  const citedFirst = count(answered, (outcome) => outcome.cited[0] === expected(outcome));
  const refusedRight = count(offTopic, (outcome) => outcome.refused);
  const falseDontKnow = onTopic.length - answered.length;

  console.log(
    `Summary: ${onTopic.length} on-topic and ${offTopic.length} off-topic questions, ${documents} documents\n`,
  );
  console.table({
    'retrieval hit@1': { value: share(hitAt1, onTopic.length), count: `${hitAt1}/${onTopic.length}` },
    'retrieval hit@3': { value: share(hitAt3, onTopic.length), count: `${hitAt3}/${onTopic.length}` },
    'citation accuracy': {
      value: share(citedRight, answered.length),
      count: `${citedRight}/${answered.length}`,
    },
    'cited first [1]': {
      value: share(citedFirst, answered.length),
      count: `${citedFirst}/${answered.length}`,
    },
    'off-topic refusal': {
      value: share(refusedRight, offTopic.length),
      count: `${refusedRight}/${offTopic.length}`,
    },
    "false don't-know": {
      value: share(falseDontKnow, onTopic.length),
      count: `${falseDontKnow}/${onTopic.length}`,
    },
  });
  console.log(`\nRan in ${(elapsedMs / 1000).toFixed(1)} s`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}

/**
 * Asking the built-in responder one question as a visitor's first message, and what came back.
 */
import { KnowledgeResponder } from '../packages/server/src/assistant/knowledge-responder.ts';
import type { ResponderInput } from '../packages/server/src/assistant/responder.ts';
import type { Retriever } from '../packages/server/src/storage/knowledge-store.ts';
import type { ChatRecord, MessageRecord } from '../packages/server/src/storage/store.ts';

/** One reply, as the eval scores it. */
export interface Reply {
  text: string;
  /** The cited documents' ids, in order. */
  documentIds: string[];
  /** Time to compute the reply: the responder streams with no pause here. */
  elapsedMs: number;
}

/** A responder over `retriever` that streams without the deliberate pace of a live chat. */
export function evalResponder(retriever: Retriever): KnowledgeResponder {
  return new KnowledgeResponder({ retriever, chunkDelayMs: 0 });
}

/** The reply to `question`, asked in a fresh chat of `tenant` with default settings. */
export async function ask(
  responder: KnowledgeResponder,
  tenant: { id: string; name: string },
  question: string,
): Promise<Reply> {
  const started = performance.now();
  let text = '';
  const documentIds: string[] = [];
  for await (const part of responder.respond(inputFor(tenant, question))) {
    if (part.type === 'text') text += part.text;
    if (part.type === 'sources') documentIds.push(...part.sources.map((source) => source.document_id));
  }
  return { text, documentIds, elapsedMs: performance.now() - started };
}

function inputFor(tenant: { id: string; name: string }, question: string): ResponderInput {
  const time = new Date().toISOString();
  const chat: ChatRecord = {
    id: 'eval-chat',
    tenant_id: tenant.id,
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
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    settings: {},
    chat,
    history: [],
    message,
    signal: new AbortController().signal,
  };
}

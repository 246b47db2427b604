/**
 * The `Responder` contract: given a tenant, a conversation and the visitor's new message, stream
 * the assistant's reply. Implementations (issue 5): the built-in knowledge-base responder and the
 * LLM responder. The reply runner owns storage, streaming and stopping; a responder only writes.
 */
import type { ChatRecord, MessageRecord } from '../storage/store.ts';

/** What a responder is given. */
export interface ResponderInput {
  /** The tenant, from the server's context (never from model output). */
  tenant_id: string;
  /** The chat. */
  chat: ChatRecord;
  /** Recent messages before the new one, oldest first. */
  history: MessageRecord[];
  /** The visitor's message to answer. */
  message: MessageRecord;
  /** Aborted when a client asks to stop; stop writing promptly. */
  signal: AbortSignal;
}

/** One piece of a reply. */
export type ResponderPart =
  /** More text, appended to what came before. */
  | { type: 'text'; text: string }
  /** How the reply ended, with what it cost. */
  | { type: 'finish'; reason: string; usage?: { input_tokens?: number; output_tokens?: number } };

export interface Responder {
  /** Recorded with each reply, e.g. `knowledge-base` or `llm:gpt-4o-mini`. */
  readonly name: string;
  /** Streams the reply; ends (or throws an AbortError) soon after `signal` aborts. */
  respond(input: ResponderInput): AsyncIterable<ResponderPart>;
}

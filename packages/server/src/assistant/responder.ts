/**
 * The `Responder` contract: given a tenant, a conversation and the visitor's new message, stream
 * the assistant's reply. Implementations: the built-in knowledge-base responder
 * (`knowledge-responder.ts`, the default) and the LLM responder (`llm-responder.ts`). The reply
 * runner owns storage, streaming, stopping, guards and handoff; a responder only writes.
 */
import type { AssistantSettings, Source } from '@miptech/protocol';
import type { ChatRecord, MessageRecord } from '../storage/store.ts';

/** What a responder is given. */
export interface ResponderInput {
  /** The tenant, from the server's context (never from model output). */
  tenant_id: string;
  /** The tenant's display name, e.g. "MIPTech". */
  tenant_name: string;
  /** The tenant's assistant settings (persona, prompt, LLM overrides); `{}` for the defaults. */
  settings: AssistantSettings;
  /** The chat. */
  chat: ChatRecord;
  /** Recent messages before the new one, oldest first (a bounded window). */
  history: MessageRecord[];
  /** The visitor's message to answer. */
  message: MessageRecord;
  /** Aborted when a client asks to stop or the server shuts down; stop writing promptly. */
  signal: AbortSignal;
}

/** Tokens a reply cost, as the provider counted them (0 for the built-in responder). */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  /** True when the provider reported nothing and the platform estimated (`usage-estimate.ts`). */
  estimated?: boolean;
}

/** Why a reply asks for a human. */
export type HandoffReason = 'requested' | 'no_answer';

/** One piece of a reply, in this order: text parts, then at most one of each of the rest. */
export type ResponderPart =
  /** More text, appended to what came before. */
  | { type: 'text'; text: string }
  /** The knowledge the reply is grounded in, numbered as the text cites it ("[1]"). */
  | { type: 'sources'; sources: Source[] }
  /**
   * The reply asks for a human: the visitor said so, or (with the tenant's
   * `handoff_on_no_answer`) the knowledge base had no answer. The runner moves the chat to
   * `waiting_for_human`.
   */
  | { type: 'handoff'; reason: HandoffReason }
  /**
   * How the reply ended (`stop`, `length`, `error`…), with what it cost. A responder that spent
   * tokens before a stop yields one with reason `stopped`, so they count against the budget.
   */
  | { type: 'finish'; reason: string; usage?: Usage };

export interface Responder {
  /** Recorded with each reply, e.g. `knowledge-base` or `llm:gpt-4o-mini`. */
  readonly name: string;
  /**
   * Streams the reply; ends (or throws an AbortError) soon after `signal` aborts. A provider
   * failure is not thrown: the responder writes a polite message, logs the cause, and finishes
   * with reason `error`.
   */
  respond(input: ResponderInput): AsyncIterable<ResponderPart>;
  /**
   * Resolves once the responder can answer (its index is loaded; its provider answered); rejects
   * with the cause otherwise. Called in the background at start and retried: readiness
   * (`ai_services_ready`) waits for it, the health endpoint never does.
   */
  warmUp(): Promise<void>;
}

/**
 * Checks made before a responder is called, so that abuse costs nothing: a visitor who writes
 * faster than anyone reads, and a tenant whose LLM budget for the day is spent, get a polite
 * answer written by the platform, with no provider call (OWASP LLM10, "denial of wallet").
 */
import type { ChatRecord, Store, Tenant } from '../storage/store.ts';
import type { Responder, ResponderPart } from './responder.ts';

/** Said when a visitor sends more messages per minute than the assistant answers. */
export const RATE_REFUSAL =
  "You're sending messages faster than I can answer them. Please wait a minute, then ask again.";

/** Said when the tenant's daily LLM budget is spent. */
export const BUDGET_REFUSAL =
  "I can't answer more questions today. A member of the team can still help: ask for a human and they'll reply here.";

/** The UTC day of `time`, as the token usage is kept: `YYYY-MM-DD`. */
export const usageDay = (time = new Date()): string => time.toISOString().slice(0, 10);

export interface GuardContext {
  store: Store;
  tenant: Tenant;
  chat: ChatRecord;
  /** The reply would spend LLM tokens (the budget applies). */
  metered: boolean;
  /** Most visitor messages per minute the assistant answers. */
  visitorMessagesPerMinute: number;
}

/** The refusal to send instead of a reply, or undefined when the reply may go ahead. */
export async function refusalFor(
  context: GuardContext,
): Promise<{ text: string; reason: string } | undefined> {
  const { store, tenant, chat } = context;
  const since = new Date(Date.now() - 60_000).toISOString();
  const recent = await store.countVisitorMessagesSince(tenant.id, chat.visitor_id, since);
  if (recent > context.visitorMessagesPerMinute) return { text: RATE_REFUSAL, reason: 'visitor_rate' };
  const budget = tenant.assistant.daily_token_budget;
  if (context.metered && typeof budget === 'number') {
    const spent = await store.getTokenUsage(tenant.id, usageDay());
    if (spent.input_tokens + spent.output_tokens >= budget) return { text: BUDGET_REFUSAL, reason: 'budget' };
  }
  return undefined;
}

/** A responder that writes one fixed text: the refusals above, in the same stream shape as a reply. */
export function cannedResponder(text: string, finishReason: string): Responder {
  return {
    name: 'guard',
    async warmUp() {},
    async *respond(): AsyncIterable<ResponderPart> {
      yield { type: 'text', text };
      yield { type: 'finish', reason: finishReason };
    },
  };
}

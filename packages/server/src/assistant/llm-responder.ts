/**
 * The LLM responder: retrieval-augmented answers through the Vercel AI SDK. It finds the tenant's
 * passages, builds the prompt (`rag-prompt.ts`), streams the model's reply through the leak guard
 * and the no-answer marker filter, and maps the reply's `[n]` citations to sources. When the
 * knowledge base has nothing on a question, or the model says the passages do not answer it, the
 * reply is the platform's "no answer" with its offer of a human (or, with the tenant's
 * `handoff_on_no_answer`, the handoff). Provider failures never escape: the visitor gets a polite
 * message (or a cut-off notice after partial text), the log gets the cause, the status board the
 * code, and the budget what the provider billed (`usage-estimate.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { AssistantSettings } from '@miptech/protocol';
import { streamText } from 'ai';
import type { FastifyBaseLogger } from 'fastify';
import type { LlmConfig } from '../config.ts';
import { parseAllowList } from '../outbound/allow-list.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { Retriever } from '../storage/knowledge-store.ts';
import { noAnswerText } from './human-offer.ts';
import { recognizeIntent } from './intents.ts';
import { LeakGuard } from './leak-guard.ts';
import { type EffectiveLlm, effectiveLlm, languageModelFor, resolvedBaseUrl } from './llm-model.ts';
import { NoAnswerFilter } from './no-answer-marker.ts';
import { logFailure, probeProvider } from './provider-probe.ts';
import {
  ProviderError,
  type ProviderStatusBoard,
  providerErrorCode,
  providerKey,
} from './provider-status.ts';
import { buildInstructions, buildPrompt, citedSources, retrievalQuery } from './rag-prompt.ts';
import type { Responder, ResponderInput, ResponderPart, Usage } from './responder.ts';
import { promptCharacters, usageToCount } from './usage-estimate.ts';

/** Said when the model could not be reached and nothing was written yet. */
export const UNAVAILABLE_MESSAGE =
  "Sorry — I can't answer right now. Please try again in a moment, or ask for a human and a team member will take over.";

/** Appended when the model failed after part of the reply was sent. */
export const CUT_OFF_NOTICE = '\n\n(My answer was cut off — please ask again.)';

/** Options of {@link LlmResponder}. */
export interface LlmResponderOptions {
  /** Finds the tenant's passages. */
  retriever: Retriever;
  /** The platform's LLM; tenants override parts of it in their settings. */
  config: LlmConfig;
  log: FastifyBaseLogger;
  /** Passages given to the model (default 5). */
  passageLimit?: number;
  /** Earlier messages given to the model (default 10). */
  historyWindow?: number;
  /**
   * Where a tenant's base URL may point (default: public addresses only). The platform's own
   * `LLM_BASE_URL` host is allowed on top, since the operator chose it (e.g. a local Ollama).
   */
  outbound?: OutboundPolicy;
  /** Where each provider setting's state is kept (readiness, GET /api/v1/tenant). */
  status?: ProviderStatusBoard;
}

/**
 * Answers from the tenant's knowledge base with an LLM.
 *
 * @example
 * const responder = new LlmResponder({ retriever: knowledgeStore, config: config.llm, log: app.log });
 * for await (const part of responder.respond(input)) console.log(part);
 */
export class LlmResponder implements Responder {
  readonly name: string;
  readonly #options: LlmResponderOptions;
  /** For base URLs a tenant chose: the outbound policy, and no redirects (the prompt must not travel on). */
  readonly #tenantFetch: typeof fetch;
  /** For the platform's own `LLM_BASE_URL`: the same, with its host allowed. */
  readonly #platformFetch: typeof fetch;

  constructor(options: LlmResponderOptions) {
    this.#options = options;
    this.name = `llm:${options.config.model ?? 'unset'}`;
    const policy = options.outbound ?? new OutboundPolicy();
    this.#tenantFetch = createGuardedFetch(policy, { redirects: 'refuse' });
    const platformHost = options.config.baseUrl ? new URL(options.config.baseUrl).hostname : undefined;
    this.#platformFetch = platformHost
      ? createGuardedFetch(policy.allowing(parseAllowList(platformHost)), { redirects: 'refuse' })
      : this.#tenantFetch;
  }

  /** The fetch for a resolved setting: the platform's only for exactly the platform's base URL. */
  #fetchFor(llm: EffectiveLlm): typeof fetch {
    const { config } = this.#options;
    const platformUrl = config.baseUrl !== undefined && resolvedBaseUrl(llm) === resolvedBaseUrl(config);
    return platformUrl ? this.#platformFetch : this.#tenantFetch;
  }

  async *respond(input: ResponderInput): AsyncIterable<ResponderPart> {
    const { retriever, config, log, status } = this.#options;
    const llm = effectiveLlm(config, input.settings);
    const key = providerKey(llm);
    const context = {
      tenant_id: input.tenant_id,
      chat_id: input.chat.id,
      provider: llm.provider,
      model: llm.model,
    };
    if (llm.problem || llm.provider === 'none') {
      log.error({ ...context, problem: llm.problem ?? 'provider is none' }, 'LLM setting cannot answer');
      status?.failed(key, 'misconfigured');
      yield* politeFailure(undefined);
      return;
    }

    let passages: Awaited<ReturnType<Retriever['search']>>;
    try {
      // The tenant comes from the server's context, never from anything a model wrote.
      const query = retrievalQuery(input.message.content, input.history);
      passages = await retriever.search(input.tenant_id, query, { limit: this.#options.passageLimit ?? 5 });
    } catch (error) {
      input.signal.throwIfAborted();
      log.error({ ...context, err: error }, 'knowledge-base retrieval failed');
      yield* politeFailure(undefined);
      return;
    }
    input.signal.throwIfAborted();
    const handOver = input.settings.handoff_on_no_answer === true;
    // A question the knowledge base has nothing on: the platform's "no answer" at once, as the
    // built-in responder's third tier, with no model call (nothing to ground an answer in, and
    // no tokens spent). Small talk still goes to the model, which greets in the visitor's language.
    const names = [input.tenant_name, ...(input.settings.persona ? [input.settings.persona] : [])];
    if (passages.length === 0 && recognizeIntent(input.message.content, { names }) === 'question') {
      yield { type: 'text', text: noAnswerText(input.tenant_name, handOver) };
      if (handOver) yield { type: 'handoff', reason: 'no_answer' };
      yield { type: 'finish', reason: 'stop', usage: { input_tokens: 0, output_tokens: 0 } };
      return;
    }

    // A fresh marker per reply: no honest answer contains it, so seeing it means the prompt leaks.
    const canary = `ref-${randomBytes(6).toString('hex')}`;
    const promptInput = {
      tenantName: input.tenant_name,
      settings: input.settings,
      passages,
      history: input.history,
      message: input.message,
      historyMessages: this.#options.historyWindow,
      canary,
    };
    const { system, messages } = buildPrompt(promptInput);
    const guard = new LeakGuard({
      protectedTexts: [buildInstructions(promptInput), input.settings.system_prompt],
      canaries: [canary],
    });
    const marker = new NoAnswerFilter();
    const timeout = AbortSignal.timeout(llm.timeoutMs);
    // Aborted on every way out (a leak, an error, a consumer that stops reading), so the HTTP
    // request to the provider never outlives the reply.
    const done = new AbortController();
    const signal = AbortSignal.any([input.signal, timeout, done.signal]);
    status?.started(key);

    let sent = '';
    let failure: unknown;
    let finishReason: string | undefined;
    let reported: { inputTokens: number | undefined; outputTokens: number | undefined } | undefined;
    /** The provider accepted the call (its stream started): from here on, it bills. */
    let accepted = false;
    /** Every character the model streamed, shown or not: what the output estimate counts. */
    let received = 0;
    let offered = false;
    try {
      const result = streamText({
        model: languageModelFor(llm, this.#fetchFor(llm)),
        system,
        messages,
        maxOutputTokens: llm.maxTokens,
        maxRetries: llm.maxRetries,
        temperature: 0.2,
        abortSignal: signal,
        // Errors arrive as `error` parts below; without this the SDK also prints them to stderr.
        onError: () => {},
      });
      stream: for await (const part of result.fullStream) {
        switch (part.type) {
          case 'start-step':
            accepted = true;
            break;
          case 'text-delta': {
            received += part.text.length;
            // After a stop, nothing more for the visitor: the runner only reads the finish.
            if (input.signal.aborted) break stream;
            // The marker first: it never reaches the leak guard, whose hold would delay it.
            let safe = guard.push(marker.push(part.text));
            // Nothing from the model follows the marker, so what the guard holds can go now: it
            // is less than a window, as at the end of any reply.
            if (marker.found && !guard.tripped) safe += guard.end();
            if (safe) {
              sent += safe;
              yield { type: 'text', text: safe };
            }
            if (guard.tripped) break stream;
            // The model gave up: the visitor learns it now; the rest of the stream is only read
            // for its usage.
            if (marker.found && !offered) {
              offered = true;
              const offer = noAnswerText(input.tenant_name, handOver, sent);
              sent += offer;
              yield { type: 'text', text: offer };
            }
            break;
          }
          case 'error':
            failure = part.error;
            break stream;
          case 'abort':
            failure = part.reason ?? 'aborted';
            break stream;
          case 'finish':
            finishReason = part.finishReason;
            reported = part.totalUsage;
            break;
        }
      }
    } catch (error) {
      // A dropped connection surfaces as a thrown error rather than an `error` part.
      failure = error;
    } finally {
      done.abort();
    }
    const usage = usageToCount({
      reported,
      accepted,
      promptCharacters: promptCharacters(system, messages),
      outputCharacters: received,
    });
    // However the timeout showed itself (an abort part, an error during a retry), say it plainly.
    if (failure !== undefined && timeout.aborted) failure = new TimeoutFailure(llm.timeoutMs);
    // A stop: end now, with no apology; the runner records the reply as stopped, and what the
    // provider already billed counts against the budget.
    if (input.signal.aborted) {
      if (usage) yield { type: 'finish', reason: 'stopped', usage };
      input.signal.throwIfAborted();
    }

    // What the marker filter still holds (the end of the reply), through the guard like the rest.
    const held = marker.found || guard.tripped ? '' : guard.push(marker.end());
    if (guard.tripped) {
      log.warn(context, 'LLM reply started to repeat the system prompt; replaced by a refusal');
      status?.ok(key);
      yield { type: 'text', text: sent ? `\n\n${guard.refusal}` : guard.refusal };
      yield { type: 'finish', reason: 'content-filter', ...(usage ? { usage } : {}) };
      return;
    }
    // `interrupted`: the stream ended without a finish chunk, so the reply may be incomplete.
    if (
      failure === undefined &&
      (finishReason === 'error' || finishReason === 'interrupted' || !finishReason)
    ) {
      failure = new ProviderError(
        'stream_dropped',
        `the provider stream ended without finishing (${finishReason ?? 'no finish'})`,
      );
    }
    const tail = held + guard.end();
    if (tail) {
      sent += tail;
      yield { type: 'text', text: tail };
    }
    if (failure !== undefined) {
      logFailure(log, context, llm, failure);
      status?.failed(key, providerErrorCode(failure));
    } else {
      status?.ok(key);
    }
    const finish = (reason: string): ResponderPart => ({
      type: 'finish',
      reason,
      ...(usage ? { usage } : {}),
    });
    if (marker.found) {
      // The reply is the platform's "no answer"; no sources, since nothing answered.
      if (!offered) yield { type: 'text', text: noAnswerText(input.tenant_name, handOver, sent) };
      if (handOver) yield { type: 'handoff', reason: 'no_answer' };
      yield finish(failure !== undefined ? 'error' : (finishReason ?? 'stop'));
      return;
    }
    if (failure !== undefined && !sent) {
      yield* politeFailure(usage);
      return;
    }
    if (failure !== undefined) yield { type: 'text', text: CUT_OFF_NOTICE };
    const sources = citedSources(sent, passages);
    if (sources.length > 0) yield { type: 'sources', sources };
    yield finish(failure !== undefined ? 'error' : (finishReason ?? 'stop'));
  }

  /** Probes the platform's own provider (readiness). */
  async warmUp(): Promise<void> {
    await this.warmUpFor({});
  }

  /**
   * Probes the provider a tenant's settings resolve to, and records the outcome on the status
   * board; rejects with a {@link ProviderError} when it does not answer.
   */
  async warmUpFor(settings: AssistantSettings): Promise<void> {
    const llm = effectiveLlm(this.#options.config, settings);
    const key = providerKey(llm);
    this.#options.status?.started(key);
    try {
      await probeProvider(llm, this.#fetchFor(llm));
      this.#options.status?.ok(key);
    } catch (error) {
      this.#options.status?.failed(key, providerErrorCode(error));
      throw error;
    }
  }
}

/** The reply when nothing could be written; `usage` when the provider billed the attempt. */
function* politeFailure(usage: Usage | undefined): Generator<ResponderPart> {
  yield { type: 'text', text: UNAVAILABLE_MESSAGE };
  yield { type: 'finish', reason: 'error', ...(usage ? { usage } : {}) };
}

/** The reply took longer than `timeoutMs` (a stall, or a slow model). */
class TimeoutFailure extends ProviderError {
  override name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super('timeout', `no complete answer within ${timeoutMs} ms`);
  }
}

/**
 * The LLM responder: retrieval-augmented answers through the Vercel AI SDK. It finds the tenant's
 * passages, builds the prompt (`rag-prompt.ts`), streams the model's reply through the leak guard,
 * and maps the reply's `[n]` citations to sources. Provider failures never escape: the visitor gets
 * a polite message (or a cut-off notice after partial text), the log gets the cause.
 */
import { randomBytes } from 'node:crypto';
import { APICallError, RetryError, streamText } from 'ai';
import type { FastifyBaseLogger } from 'fastify';
import type { LlmConfig } from '../config.ts';
import { parseAllowList } from '../outbound/allow-list.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { Retriever } from '../storage/knowledge-store.ts';
import { LeakGuard } from './leak-guard.ts';
import { type EffectiveLlm, effectiveLlm, languageModelFor, resolvedBaseUrl } from './llm-model.ts';
import { buildInstructions, buildPrompt, citedSources, retrievalQuery } from './rag-prompt.ts';
import type { Responder, ResponderInput, ResponderPart, Usage } from './responder.ts';

/** Said when the model could not be reached and nothing was written yet. */
export const UNAVAILABLE_MESSAGE =
  "Sorry — I can't answer right now. Please try again in a moment, or ask for a human and a team member will take over.";

/** Appended when the model failed after part of the reply was sent. */
export const CUT_OFF_NOTICE = '\n\n(My answer was cut off — please ask again.)';

/** How long {@link LlmResponder.warmUp} waits for the provider. */
const WARM_UP_TIMEOUT_MS = 5000;

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
    const { retriever, config, log } = this.#options;
    const llm = effectiveLlm(config, input.settings);
    const context = {
      tenant_id: input.tenant_id,
      chat_id: input.chat.id,
      provider: llm.provider,
      model: llm.model,
    };
    if (llm.problem || llm.provider === 'none') {
      log.error({ ...context, problem: llm.problem ?? 'provider is none' }, 'LLM setting cannot answer');
      yield* politeFailure();
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
      yield* politeFailure();
      return;
    }
    input.signal.throwIfAborted();

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
    const timeout = AbortSignal.timeout(llm.timeoutMs);
    // Aborted on every way out (a leak, an error, a consumer that stops reading), so the HTTP
    // request to the provider never outlives the reply.
    const done = new AbortController();
    const signal = AbortSignal.any([input.signal, timeout, done.signal]);

    let sent = '';
    let failure: unknown;
    let finishReason: string | undefined;
    let usage: Usage | undefined;
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
          case 'text-delta': {
            const safe = guard.push(part.text);
            if (safe) {
              sent += safe;
              yield { type: 'text', text: safe };
            }
            if (guard.tripped) break stream;
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
            usage = {
              input_tokens: part.totalUsage.inputTokens ?? 0,
              output_tokens: part.totalUsage.outputTokens ?? 0,
            };
            break;
        }
      }
    } catch (error) {
      // A dropped connection surfaces as a thrown error rather than an `error` part.
      failure = error;
    } finally {
      done.abort();
    }
    // However the timeout showed itself (an abort part, an error during a retry), say it plainly.
    if (failure !== undefined && timeout.aborted) failure = new TimeoutFailure(llm.timeoutMs);
    // A stop: end now, with no apology; the runner records the reply as stopped.
    input.signal.throwIfAborted();

    if (guard.tripped) {
      log.warn(context, 'LLM reply started to repeat the system prompt; replaced by a refusal');
      yield { type: 'text', text: sent ? `\n\n${guard.refusal}` : guard.refusal };
      yield { type: 'finish', reason: 'content-filter' };
      return;
    }
    // `interrupted`: the stream ended without a finish chunk, so the reply may be incomplete.
    if (
      failure === undefined &&
      (finishReason === 'error' || finishReason === 'interrupted' || !finishReason)
    ) {
      failure = new Error(`the provider stream ended without finishing (${finishReason ?? 'no finish'})`);
    }
    const tail = guard.end();
    if (tail) {
      sent += tail;
      yield { type: 'text', text: tail };
    }
    if (failure !== undefined) logFailure(log, context, llm, failure);
    if (failure !== undefined && !sent) {
      yield* politeFailure();
      return;
    }
    if (failure !== undefined) yield { type: 'text', text: CUT_OFF_NOTICE };
    const sources = citedSources(sent, passages);
    if (sources.length > 0) yield { type: 'sources', sources };
    if (failure !== undefined) yield { type: 'finish', reason: 'error' };
    else yield { type: 'finish', reason: finishReason ?? 'stop', ...(usage ? { usage } : {}) };
  }

  async warmUp(): Promise<void> {
    const llm = effectiveLlm(this.#options.config, {});
    if (llm.problem || llm.provider === 'none')
      throw new Error(`LLM is not configured: ${llm.problem ?? 'provider none'}`);
    const url = `${resolvedBaseUrl(llm)}/models`;
    const key = llm.apiKey ?? '';
    const headers: Record<string, string> =
      llm.provider === 'anthropic'
        ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' }
        : key
          ? { authorization: `Bearer ${key}` }
          : {};
    const where = `LLM provider ${llm.provider} at ${safeUrl(url)}`;
    let response: Response;
    try {
      response = await this.#fetchFor(llm)(url, {
        headers,
        signal: AbortSignal.timeout(Math.min(WARM_UP_TIMEOUT_MS, llm.timeoutMs)),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      throw new Error(`${where} is unreachable: ${redact(String((cause as Error)?.message ?? cause), key)}`, {
        cause: error,
      });
    }
    const body = await response.text().catch(() => '');
    if (!response.ok) {
      throw new Error(`${where} answered ${response.status}: ${redact(errorMessageOf(body), key)}`);
    }
  }
}

/** The reply when nothing could be written. */
function* politeFailure(): Generator<ResponderPart> {
  yield { type: 'text', text: UNAVAILABLE_MESSAGE };
  yield { type: 'finish', reason: 'error' };
}

/** The reply took longer than `timeoutMs` (a stall, or a slow model). */
class TimeoutFailure extends Error {
  override name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/**
 * Logs why a reply failed: status, provider, model, attempts. Never the key, nor the request body
 * (it holds the visitor's conversation), so the error object itself is not logged.
 */
function logFailure(log: FastifyBaseLogger, context: object, llm: EffectiveLlm, failure: unknown): void {
  const attempts = RetryError.isInstance(failure) ? failure.errors.length : 1;
  const last = RetryError.isInstance(failure) ? failure.lastError : failure;
  const status_code = APICallError.isInstance(last) ? last.statusCode : undefined;
  const details = {
    ...context,
    base_url: safeUrl(resolvedBaseUrl(llm)),
    status_code,
    attempts,
    error: last instanceof Error ? last.name : typeof last,
    detail: redact(last instanceof Error ? last.message : String(last), llm.apiKey).slice(0, 300),
  };
  // A 4xx other than 429 is a setting to fix (key, model name): an error, not a passing hiccup.
  const misconfigured =
    status_code !== undefined && status_code >= 400 && status_code < 500 && status_code !== 429;
  if (misconfigured) log.error(details, 'LLM provider rejected the request');
  else log.warn(details, 'LLM provider failed');
}

/** The URL without credentials or query, fit for logs. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function redact(text: string, key: string | undefined): string {
  return key ? text.split(key).join('[redacted]') : text;
}

/** `error.message` of an OpenAI- or Anthropic-style error body, else the body's start. */
function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.slice(0, 200) || '(empty body)';
}

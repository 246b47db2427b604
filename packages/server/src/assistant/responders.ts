/**
 * Which responder answers a tenant's visitors: a fixed one when the platform says so (tests, the
 * scripted echo), else the LLM responder when the tenant's settings or `LLM_PROVIDER` name a
 * provider, else the built-in knowledge-base responder. Also keeps the warm-up state that
 * readiness (`ai_services_ready`) reports, and the state of every LLM provider setting in use
 * (`provider-status.ts`), which GET /api/v1/tenant shows to the tenant's staff.
 *
 * Readiness warms only the platform's own responder. A tenant's own provider (its `llm_*`
 * settings) is checked lazily: its first reply sets its state, and the first read of the tenant's
 * status probes it. An instance never waits on, or calls at start, providers that only some
 * tenants use: one tenant's wrong key must not take the instance out of the load balancer.
 */
import type { AssistantStatus } from '@miptech/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { LlmConfig } from '../config.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { KnowledgeStore, Retriever } from '../storage/knowledge-store.ts';
import type { MessageRecord, Tenant } from '../storage/store.ts';
import { offeredHuman } from './human-offer.ts';
import { recognizeIntent } from './intents.ts';
import { KnowledgeResponder } from './knowledge-responder.ts';
import { effectiveLlm } from './llm-model.ts';
import { LlmResponder } from './llm-responder.ts';
import { type ProviderState, ProviderStatusBoard, providerKey } from './provider-status.ts';
import type { ResponderChoice } from './reply-runner.ts';
import type { Responder } from './responder.ts';

/** Where warming up stands: `warming` until the default responder first answers. */
export type WarmUpState = ProviderState;

export interface RespondersOptions {
  llm: LlmConfig;
  knowledge: KnowledgeStore;
  /** What the responders retrieve with (hybrid retrieval); `knowledge` itself when absent. */
  retriever?: Retriever | undefined;
  log: FastifyBaseLogger;
  /** Answers every tenant, whatever the settings (tests, `RESPONDER=scripted`). */
  fixed?: Responder | undefined;
  /** Where tenants' LLM base URLs may point; public addresses only by default. */
  outbound?: OutboundPolicy | undefined;
  /** The clock of the status board and its re-checks (tests). */
  now?: () => Date;
}

/** How long an `unavailable` tenant provider stays unprobed: reads within it show the last outcome. */
export const RECHECK_AFTER_MS = 30_000;

/** Longest pause between two warm-up attempts. */
const MAX_RETRY_DELAY_MS = 30_000;

export class Responders {
  readonly #fixed: Responder | undefined;
  readonly #knowledge: KnowledgeResponder;
  readonly #llm: LlmResponder;
  readonly #llmConfig: LlmConfig;
  readonly #log: FastifyBaseLogger;
  readonly #board: ProviderStatusBoard;
  readonly #now: () => Date;
  /** Keys of tenant providers being probed, so concurrent reads start one probe. */
  readonly #probing = new Set<string>();
  #state: WarmUpState = 'warming';
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RespondersOptions) {
    this.#fixed = options.fixed;
    this.#now = options.now ?? (() => new Date());
    this.#board = new ProviderStatusBoard({ now: this.#now });
    const retriever = options.retriever ?? options.knowledge;
    this.#knowledge = new KnowledgeResponder({ retriever });
    this.#llm = new LlmResponder({
      retriever,
      config: options.llm,
      log: options.log,
      status: this.#board,
      ...(options.outbound ? { outbound: options.outbound } : {}),
    });
    this.#llmConfig = options.llm;
    this.#log = options.log;
  }

  /**
   * The responder for the tenant and the visitor's message; `metered` when it spends LLM tokens.
   * "Talk to a human", and a yes or no to the assistant's offer of one, go to the knowledge-base
   * responder even where an LLM answers: handing over is the platform's decision, not the
   * model's, and it costs no tokens.
   */
  select(tenant: Tenant, message: string, history: MessageRecord[] = []): ResponderChoice {
    if (this.#fixed) return { responder: this.#fixed, metered: false };
    const provider = tenant.assistant.llm_provider ?? this.#llmConfig.provider;
    const intent = recognizeIntent(message);
    const answersOffer = (intent === 'yes' || intent === 'no') && offeredHuman(history);
    if (provider === 'none' || intent === 'handoff' || answersOffer) {
      return { responder: this.#knowledge, metered: false };
    }
    const { model } = effectiveLlm(this.#llmConfig, tenant.assistant);
    return { responder: this.#llm, metered: true, name: `llm:${model ?? 'unset'}` };
  }

  /**
   * Who answers the tenant's visitors and whether it can, for the tenant's staff. A tenant's own
   * LLM provider that was never used, or has been `unavailable` for {@link RECHECK_AFTER_MS}, is
   * probed in the background: this read shows `warming` (or the last outcome), the next one the
   * result. Holds no URL, key or provider message.
   */
  assistantStatus(tenant: Tenant): AssistantStatus {
    if (this.#fixed) return this.#status(this.#fixed.name, null, { state: this.#state });
    const provider = tenant.assistant.llm_provider ?? this.#llmConfig.provider;
    if (provider === 'none') {
      // The built-in responder needs only the database; it is warmed when it is the default.
      const state = this.default === this.#knowledge ? this.#state : 'ok';
      return this.#status('knowledge-base', null, { state });
    }
    const key = providerKey(effectiveLlm(this.#llmConfig, tenant.assistant));
    const own = key !== providerKey(effectiveLlm(this.#llmConfig, {}));
    if (own) this.#probeIfDue(key, tenant);
    const known = this.#board.get(key) ?? { state: own ? 'warming' : this.#state };
    return this.#status('llm', own ? 'tenant' : 'platform', known);
  }

  #status(
    responder: string,
    provider: AssistantStatus['provider'],
    known: Partial<Pick<AssistantStatus, 'error_code' | 'checked_at'>> & { state: ProviderState },
  ): AssistantStatus {
    return {
      responder,
      provider,
      state: known.state,
      error_code: known.error_code ?? null,
      checked_at: known.checked_at ?? null,
    };
  }

  #probeIfDue(key: string, tenant: Tenant): void {
    const known = this.#board.get(key);
    const due =
      !known ||
      (known.state === 'unavailable' &&
        known.checked_at !== null &&
        this.#now().getTime() - Date.parse(known.checked_at) >= RECHECK_AFTER_MS);
    if (!due || this.#probing.has(key) || this.#stopped) return;
    this.#probing.add(key);
    // The outcome lands on the board; the cause, with the URL but never the key, in the log.
    void this.#llm
      .warmUpFor(tenant.assistant)
      .catch((error: unknown) =>
        this.#log.warn({ err: error, tenant_id: tenant.id }, "a tenant's LLM provider did not answer"),
      )
      .finally(() => this.#probing.delete(key));
  }

  /** The responder of a tenant with no settings of its own. */
  get default(): Responder {
    return this.#fixed ?? (this.#llmConfig.provider === 'none' ? this.#knowledge : this.#llm);
  }

  get state(): WarmUpState {
    return this.#state;
  }

  /**
   * Warms the default responder up in the background, retrying with a growing pause until it
   * answers; never blocks the caller (health stays fast while a provider is slow or down).
   */
  startWarmUp(): void {
    let delay = 500;
    const attempt = async () => {
      try {
        await this.default.warmUp();
        this.#state = 'ok';
        this.#log.info({ responder: this.default.name }, 'assistant ready');
      } catch (error) {
        if (this.#stopped) return;
        if (this.#state !== 'unavailable')
          this.#log.warn({ err: error, responder: this.default.name }, 'assistant not ready; retrying');
        this.#state = 'unavailable';
        this.#timer = setTimeout(attempt, delay).unref();
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    };
    void attempt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}

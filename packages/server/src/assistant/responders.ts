/**
 * Which responder answers a tenant's visitors: a fixed one when the platform says so (tests, the
 * scripted echo), else the LLM responder when the tenant's settings or `LLM_PROVIDER` name a
 * provider, else the built-in knowledge-base responder. Also keeps the warm-up state that
 * readiness (`ai_services_ready`) reports.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { LlmConfig } from '../config.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { KnowledgeStore, Retriever } from '../storage/knowledge-store.ts';
import type { Tenant } from '../storage/store.ts';
import { recognizeIntent } from './intents.ts';
import { KnowledgeResponder } from './knowledge-responder.ts';
import { effectiveLlm } from './llm-model.ts';
import { LlmResponder } from './llm-responder.ts';
import type { ResponderChoice } from './reply-runner.ts';
import type { Responder } from './responder.ts';

/** Where warming up stands: `warming` until the default responder first answers. */
export type WarmUpState = 'warming' | 'ok' | 'unavailable';

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
}

/** Longest pause between two warm-up attempts. */
const MAX_RETRY_DELAY_MS = 30_000;

export class Responders {
  readonly #fixed: Responder | undefined;
  readonly #knowledge: KnowledgeResponder;
  readonly #llm: LlmResponder;
  readonly #llmConfig: LlmConfig;
  readonly #log: FastifyBaseLogger;
  #state: WarmUpState = 'warming';
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RespondersOptions) {
    this.#fixed = options.fixed;
    const retriever = options.retriever ?? options.knowledge;
    this.#knowledge = new KnowledgeResponder({ retriever });
    this.#llm = new LlmResponder({
      retriever,
      config: options.llm,
      log: options.log,
      ...(options.outbound ? { outbound: options.outbound } : {}),
    });
    this.#llmConfig = options.llm;
    this.#log = options.log;
  }

  /**
   * The responder for the tenant and the visitor's message; `metered` when it spends LLM tokens.
   * "Talk to a human" goes to the knowledge-base responder even where an LLM answers: handing
   * over is the platform's decision, not the model's, and it costs no tokens.
   */
  select(tenant: Tenant, message: string): ResponderChoice {
    if (this.#fixed) return { responder: this.#fixed, metered: false };
    const provider = tenant.assistant.llm_provider ?? this.#llmConfig.provider;
    if (provider === 'none' || recognizeIntent(message) === 'handoff') {
      return { responder: this.#knowledge, metered: false };
    }
    const { model } = effectiveLlm(this.#llmConfig, tenant.assistant);
    return { responder: this.#llm, metered: true, name: `llm:${model ?? 'unset'}` };
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

/**
 * Answers a visitor's message and makes the reply durable and live at once:
 *
 * - nothing is answered while a human has the chat (`waiting_for_human`, `with_human`); a
 *   message in a `closed` chat reopens it;
 * - the guards (`reply-guards.ts`) may answer with a polite refusal instead, with no provider call;
 * - the reply is stored at once as a `streaming` assistant message, so it has its `seq` before
 *   its first word and every client sees it in order with the other messages;
 * - every piece of text is published on the chat's bus channel with the whole text so far;
 * - the text is saved every `flushIntervalMs` (and `updated_at` touched at least every
 *   `heartbeatMs`), so after a crash the reply ends `interrupted` with what had been written,
 *   never silently cut (see `stale-reply-sweeper.ts`);
 * - a `stop` event on the channel, from any instance, aborts it; a disconnect does not;
 * - the final message keeps its sources, usage, latency and responder name in `metadata`, and a
 *   reply that asked for a human hands the chat over once it is written.
 */
import { setImmediate } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import { asChatEvent, type ChatEvent, chatChannel } from '../bus/chat-events.ts';
import type { Handoff } from '../chat/handoff.ts';
import type { ChatRecord, MessageRecord, MessageStatus, Store, Tenant } from '../storage/store.ts';
import type { TenantDirectory } from '../tenancy/tenant-directory.ts';
import { cannedResponder, refusalFor, usageDay } from './reply-guards.ts';
import type { HandoffReason, Responder } from './responder.ts';
import { startEarly } from './start-early.ts';

/** Messages of history a responder sees. */
const HISTORY_WINDOW = 20;

/**
 * The responder for a tenant, whether its replies spend LLM tokens (the budget applies), and the
 * name recorded with them when it is not the responder's own (a tenant's own LLM model).
 */
export type ResponderChoice = { responder: Responder; metered: boolean; name?: string };

export interface ReplyRunnerOptions {
  store: Store;
  /** Tenants and their assistant settings, cached: read on every reply. */
  tenants: TenantDirectory;
  bus: Bus;
  handoff: Handoff;
  /**
   * Picks the responder for a tenant (its settings may name an LLM), a visitor's message and the
   * messages before it (a "yes" to an offer of a human is a handoff, not a question).
   */
  select: (tenant: Tenant, message: string, history: MessageRecord[]) => ResponderChoice;
  log: FastifyBaseLogger;
  /** Most visitor messages per minute the assistant answers; more get a polite refusal. */
  visitorMessagesPerMinute: number;
  /** How often the text so far is saved. */
  flushIntervalMs?: number;
  /** How often a reply that is not growing still shows it is alive. */
  heartbeatMs?: number;
  /** Called once a reply is final (the operator inbox shows it as the chat's last message). */
  onReplyEnd?: (tenantId: string, chatId: string) => void;
}

export class ReplyRunner {
  readonly #options: Required<ReplyRunnerOptions>;
  /** Replies in progress on this instance, by the id of the message they answer. */
  readonly #running = new Map<string, Promise<MessageRecord | undefined>>();
  readonly #controllers = new Set<AbortController>();
  #shuttingDown = false;

  constructor(options: ReplyRunnerOptions) {
    this.#options = { flushIntervalMs: 250, heartbeatMs: 2000, onReplyEnd: () => {}, ...options };
  }

  /** Starts the reply to a visitor's message in the background. */
  start(tenantId: string, chatId: string, message: MessageRecord): void {
    if (this.#shuttingDown) return;
    const run = this.#answer(tenantId, chatId, message)
      .catch((error) => {
        this.#options.log.error({ err: error, chat_id: chatId }, 'assistant reply failed');
        return undefined;
      })
      .finally(() => this.#running.delete(message.id));
    this.#running.set(message.id, run);
  }

  /**
   * The reply to `message` once it is final, or as it stands after `timeoutMs`; undefined when
   * the assistant does not answer it (a human has the chat, or no responder runs).
   */
  async replyTo(tenantId: string, chatId: string, message: MessageRecord, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    const running = this.#running.get(message.id);
    if (running) {
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, Math.max(0, deadline - Date.now()), 'timeout').unref(),
      );
      if ((await Promise.race([running, timeout])) !== 'timeout') return running;
    }
    // Started by another request (a resent message) or still running past the deadline: read it.
    for (;;) {
      const found = await this.#storedReply(tenantId, chatId, message);
      if ((found && found.status !== 'streaming') || Date.now() >= deadline) return found;
      if (!found && !this.#running.has(message.id)) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Ends every reply in progress as `interrupted` (with the text so far) and waits for them: an
   * instance that stops does not leave replies for the sweeper to find later.
   */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#running.values()]);
  }

  async #storedReply(tenantId: string, chatId: string, message: MessageRecord) {
    const page = await this.#options.store.listMessages(tenantId, chatId, {
      after_seq: message.seq,
      limit: HISTORY_WINDOW,
    });
    return page?.items.find((item) => item.role === 'assistant' && item.metadata.in_reply_to === message.id);
  }

  async #answer(tenantId: string, chatId: string, question: MessageRecord) {
    const { store, handoff, select } = this.#options;
    const [tenant, found] = await Promise.all([
      this.#options.tenants.get(tenantId),
      store.getChat(tenantId, chatId),
    ]);
    if (!tenant || !found) return undefined;
    const chat = found.status === 'closed' ? await handoff.reopen(tenantId, chatId) : found;
    // While a human has the chat, the assistant stays silent.
    if (chat?.status !== 'active') return undefined;
    const page = await store.listMessages(chat.tenant_id, chat.id, {
      after_seq: Math.max(0, question.seq - 1 - HISTORY_WINDOW),
      limit: HISTORY_WINDOW,
    });
    const history = (page?.items ?? []).filter((item) => item.seq < question.seq);
    const choice = select(tenant, question.content, history);
    const refusal = await refusalFor({
      store,
      tenant,
      chat,
      metered: choice.metered,
      visitorMessagesPerMinute: this.#options.visitorMessagesPerMinute,
    });
    if (refusal)
      return this.#stream(
        tenant,
        chat,
        question,
        history,
        cannedResponder(refusal.text, refusal.reason),
        false,
      );
    return this.#stream(tenant, chat, question, history, choice.responder, choice.metered, choice.name);
  }

  async #stream(
    tenant: Tenant,
    chat: ChatRecord,
    question: MessageRecord,
    history: MessageRecord[],
    responder: Responder,
    metered: boolean,
    name = responder.name,
  ): Promise<MessageRecord | undefined> {
    const { store, bus, log } = this.#options;
    const channel = chatChannel(chat.tenant_id, chat.id);
    // The responder starts first (retrieval, the prompt, the provider's request), and the reply's
    // row is queued one turn of the event loop later: the request is then on its way before the
    // row's commit (whose fsync blocks this thread with SQLite) runs, and the commit overlaps with
    // the model's time to first token instead of adding to it (issue 16). The responder's parts are
    // only read, and published, once the row exists.
    const controller = new AbortController();
    this.#controllers.add(controller);
    const parts = startEarly(
      responder.respond({
        tenant_id: chat.tenant_id,
        tenant_name: tenant.name,
        settings: tenant.assistant,
        chat,
        history,
        message: question,
        signal: controller.signal,
      }),
    );
    await setImmediate();
    let started: Awaited<ReturnType<Store['appendMessage']>>;
    try {
      started = await store.appendMessage({
        tenant_id: chat.tenant_id,
        chat_id: chat.id,
        role: 'assistant',
        content: '',
        metadata: { responder: name, in_reply_to: question.id },
        status: 'streaming',
      });
    } finally {
      if (!started) {
        // No row, no reply: the provider's request must not outlive it.
        this.#controllers.delete(controller);
        controller.abort();
        void parts.cancel();
      }
    }
    if (!started) return undefined;
    const reply = started.message;
    const publish = (event: ChatEvent) => bus.publish(channel, event);

    const unsubscribe = await bus.subscribe(channel, (event) => {
      if (asChatEvent(event)?.kind === 'stop') controller.abort();
    });
    let text = '';
    let saved = 0;
    let lastSave = Date.now();
    const save = async () => {
      lastSave = Date.now();
      saved = text.length;
      await store.updateMessage(chat.tenant_id, chat.id, reply.id, { content: text });
    };
    const heartbeat = setInterval(() => void save().catch(() => {}), this.#options.heartbeatMs);
    let status: MessageStatus = 'complete';
    const startedAt = Date.now();
    const ending: Record<string, unknown> = {};
    let handoffReason: HandoffReason | undefined;
    try {
      await publish({ kind: 'response', message: reply, text });
      for await (const part of parts) {
        if (controller.signal.aborted) {
          // Stopped: no more text, but a responder that spent tokens says so in a `stopped`
          // finish, and they count against the budget like any others.
          if (part.type === 'finish' && part.usage) ending.usage = part.usage;
          break;
        }
        if (part.type === 'text') {
          text += part.text;
          await publish({ kind: 'response', message: reply, text });
          if (Date.now() - lastSave >= this.#options.flushIntervalMs && saved < text.length) await save();
        } else if (part.type === 'sources') {
          ending.sources = part.sources;
        } else if (part.type === 'handoff') {
          handoffReason = part.reason;
          ending.handoff = part.reason;
        } else {
          ending.finish_reason = part.reason;
          if (part.usage) ending.usage = part.usage;
        }
      }
      if (controller.signal.aborted) status = this.#shuttingDown ? 'interrupted' : 'stopped';
    } catch (error) {
      status = controller.signal.aborted && !this.#shuttingDown ? 'stopped' : 'interrupted';
      if (!controller.signal.aborted)
        log.error({ err: error, chat_id: chat.id }, 'responder failed mid-reply');
    } finally {
      this.#controllers.delete(controller);
      clearInterval(heartbeat);
      await unsubscribe();
    }
    const final = await store.updateMessage(chat.tenant_id, chat.id, reply.id, {
      content: text,
      status,
      metadata: { ...reply.metadata, ...ending, latency_ms: Date.now() - startedAt },
    });
    // Undefined when the sweeper declared it interrupted meanwhile: that end was published then.
    if (final) {
      await publish({ kind: 'response_end', message: final });
      this.#options.onReplyEnd(chat.tenant_id, chat.id);
    }
    // Every reply that spent tokens counts, failed and stopped ones too (`usage-estimate.ts`).
    const usage = ending.usage as { input_tokens: number; output_tokens: number } | undefined;
    if (metered && usage) {
      await store.addTokenUsage(chat.tenant_id, usageDay(), {
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
      });
    }
    if (handoffReason && status === 'complete') {
      await this.#options.handoff.request(chat.tenant_id, chat.id, handoffReason);
    }
    return final;
  }
}

/**
 * Runs a responder for a visitor's message and makes its reply durable and live at once:
 *
 * - the reply is stored at once as a `streaming` assistant message, so it has its `seq` before
 *   its first word and every client sees it in order with the other messages;
 * - every piece of text is published on the chat's bus channel with the whole text so far;
 * - the text is saved every `flushIntervalMs` (and `updated_at` touched at least every
 *   `heartbeatMs`), so after a crash the reply ends `interrupted` with what had been written,
 *   never silently cut (see `stale-reply-sweeper.ts`);
 * - a `stop` event on the channel, from any instance, aborts it; a disconnect does not.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from '../realtime/bus.ts';
import { asChatEvent, type ChatEvent, chatChannel } from '../realtime/chat-events.ts';
import type { ChatRecord, MessageRecord, MessageStatus, Store } from '../storage/store.ts';
import type { Responder } from './responder.ts';

/** Messages of history a responder sees. */
const HISTORY_WINDOW = 20;

export interface ReplyRunnerOptions {
  store: Store;
  bus: Bus;
  responder: Responder;
  log: FastifyBaseLogger;
  /** How often the text so far is saved. */
  flushIntervalMs?: number;
  /** How often a reply that is not growing still shows it is alive. */
  heartbeatMs?: number;
}

export class ReplyRunner {
  readonly #options: Required<ReplyRunnerOptions>;
  readonly #running = new Set<Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #shuttingDown = false;

  constructor(options: ReplyRunnerOptions) {
    this.#options = { flushIntervalMs: 250, heartbeatMs: 2000, ...options };
  }

  /** Starts the reply to a visitor's message in the background. */
  start(tenantId: string, chatId: string, message: MessageRecord): void {
    if (this.#shuttingDown) return;
    const run = this.#options.store
      .getChat(tenantId, chatId)
      .then((chat) => chat && this.#reply(chat, message))
      .catch((error) => this.#options.log.error({ err: error, chat_id: chatId }, 'assistant reply failed'))
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /**
   * Ends every reply in progress as `interrupted` (with the text so far) and waits for them: an
   * instance that stops does not leave replies for the sweeper to find later.
   */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#running]);
  }

  async #reply(chat: ChatRecord, question: MessageRecord): Promise<void> {
    const { store, bus, responder, log } = this.#options;
    const channel = chatChannel(chat.tenant_id, chat.id);
    const history = await store.listMessages(chat.tenant_id, chat.id, {
      after_seq: Math.max(0, question.seq - 1 - HISTORY_WINDOW),
      limit: HISTORY_WINDOW,
    });
    const started = await store.appendMessage({
      tenant_id: chat.tenant_id,
      chat_id: chat.id,
      role: 'assistant',
      content: '',
      metadata: { responder: responder.name, in_reply_to: question.id },
      status: 'streaming',
    });
    if (!started) return;
    const reply = started.message;
    const publish = (event: ChatEvent) => bus.publish(channel, event);

    const controller = new AbortController();
    this.#controllers.add(controller);
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
    const started_at = Date.now();
    let finish: Record<string, unknown> = {};
    try {
      await publish({ kind: 'response', message: reply, text });
      for await (const part of responder.respond({
        tenant_id: chat.tenant_id,
        chat,
        history: (history?.items ?? []).filter((item) => item.seq < question.seq),
        message: question,
        signal: controller.signal,
      })) {
        if (controller.signal.aborted) break;
        if (part.type === 'finish') {
          finish = { finish_reason: part.reason, ...(part.usage ? { usage: part.usage } : {}) };
          continue;
        }
        text += part.text;
        await publish({ kind: 'response', message: reply, text });
        if (Date.now() - lastSave >= this.#options.flushIntervalMs && saved < text.length) await save();
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
      metadata: { ...reply.metadata, ...finish, latency_ms: Date.now() - started_at },
    });
    // Undefined when the sweeper declared it interrupted meanwhile: that end was published then.
    if (final) await publish({ kind: 'response_end', message: final });
  }
}

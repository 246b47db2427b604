/**
 * One socket's view of one chat: the part of the gateway that delivers every message exactly
 * once, in order, across reconnects.
 *
 * Join = subscribe to the bus first (events wait in a queue), then read the backlog from the
 * database, then let the queued events through. Every delivery is checked against `lastSeq`, the
 * newest seq this socket has been sent: older ones are dropped (already sent), the next one is
 * sent, and a gap (an event lost on the bus, say during a Redis outage) is filled from the
 * database before going on. A reply in progress is tracked by how many characters of it this
 * socket has: the next frame carries exactly the missing part, whichever instance writes it.
 */
import type { ServerFrame } from '@miptech/protocol';
import type { MessageRecord, Store } from '../storage/store.ts';
import type { ChatEvent } from './chat-events.ts';

/** More missed messages than this are not replayed: the client gets a snapshot instead. */
export const MAX_REPLAY = 1000;
/** Messages in a snapshot. */
const SNAPSHOT_SIZE = 100;
const PAGE = 200;

export interface ChatSubscriptionOptions {
  store: Store;
  tenantId: string;
  chatId: string;
  /** Receive assistant replies as they are written, not only once complete. */
  stream: boolean;
  /** Sends a frame to the socket. */
  send: (frame: ServerFrame) => void;
  /** This connection's id: its own typing frames are not echoed back. */
  connectionId: string;
  /**
   * Send the visitor's own messages as `chat_message` (default). A seed-style socket that only
   * named its session gets `false`: its client shows its own bubble already and appends every
   * `chat_message` it receives (decision 010). Its seq still advances past them.
   */
  echoVisitorMessages?: boolean;
}

export class ChatSubscription {
  readonly #options: ChatSubscriptionOptions;
  /** Newest seq sent to the socket. */
  #lastSeq = 0;
  /** Replies in progress: seq → characters of text sent. */
  readonly #inProgress = new Map<number, number>();
  /** Everything runs one step at a time, in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  /**
   * Events handed in before `join` was called (the bus delivers as soon as the channel is open,
   * before the connection gets to `join`): they wait behind the join; undefined once joined.
   */
  #early: ChatEvent[] | undefined = [];
  #closed = false;

  constructor(options: ChatSubscriptionOptions) {
    this.#options = options;
  }

  /**
   * Sends `joined`, then what the socket missed since `sinceSeq` (or only the replies in progress,
   * when it names no seq), then opens the gate for live events queued meanwhile.
   */
  join(sinceSeq: number | undefined, lastSeq: number): Promise<void> {
    const joined = this.#enqueue(async () => {
      const { send, chatId } = this.#options;
      const tooFar = sinceSeq !== undefined && (sinceSeq > lastSeq || lastSeq - sinceSeq > MAX_REPLAY);
      send({ type: 'joined', chat_id: chatId, seq: lastSeq, recovered: !tooFar });
      if (tooFar) {
        await this.#sendSnapshot(lastSeq);
      } else if (sinceSeq === undefined) {
        // From now on, but a reply being written right now is part of "now".
        this.#lastSeq = lastSeq;
        for (const message of await this.#read(Math.max(0, lastSeq - 20))) {
          if (message.status === 'streaming') this.#startReply(message, message.content, true);
        }
      } else {
        this.#lastSeq = sinceSeq;
        await this.#catchUp();
      }
    });
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const event of early) this.handle(event);
    return joined;
  }

  /** Handles an event of the chat's channel (queued behind any join or catch-up in progress). */
  handle(event: ChatEvent): void {
    if (this.#early) this.#early.push(event);
    else void this.#enqueue(() => this.#apply(event));
  }

  /** Re-reads what may have been missed, e.g. after the bus recovered from an outage. */
  resync(): void {
    // Before the join, there is nothing to re-read: the join reads the database itself.
    if (!this.#early) void this.#enqueue(() => this.#catchUp());
  }

  close(): void {
    this.#closed = true;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(() => (this.#closed ? undefined : step())).catch(() => {});
    return this.#queue;
  }

  async #apply(event: ChatEvent): Promise<void> {
    const { send, chatId, connectionId } = this.#options;
    switch (event.kind) {
      case 'typing':
        if (event.connection_id !== connectionId) {
          send({
            type: 'typing',
            chat_id: chatId,
            seq: this.#lastSeq,
            role: event.role,
            is_typing: event.is_typing,
          });
        }
        return;
      case 'status':
        send({ type: 'chat_status', chat_id: chatId, seq: event.seq, status: event.status });
        return;
      case 'stop':
        return;
      case 'message':
      case 'response':
      case 'response_end': {
        const seq = event.message.seq;
        if (seq > this.#lastSeq + 1) return this.#catchUp();
        if (event.kind === 'message') {
          if (seq === this.#lastSeq + 1) this.#deliverFinal(event.message);
        } else if (event.kind === 'response') {
          if (this.#inProgress.has(seq)) this.#growReply(event.message, event.text);
          else if (seq === this.#lastSeq + 1) this.#startReply(event.message, event.text, false);
        } else if (this.#inProgress.has(seq) || seq === this.#lastSeq + 1) {
          this.#deliverFinal(event.message);
        }
        return;
      }
    }
  }

  /** Sends every stored message after `lastSeq` in order, and the ends of replies still in progress here. */
  async #catchUp(): Promise<void> {
    let after = Math.min(this.#lastSeq, ...[...this.#inProgress.keys()].map((seq) => seq - 1));
    for (;;) {
      const page = await this.#read(after, PAGE);
      for (const message of page) {
        const known = this.#inProgress.has(message.seq);
        if (message.seq <= this.#lastSeq && !known) continue;
        if (message.status !== 'streaming') this.#deliverFinal(message);
        else if (known) this.#growReply(message, message.content);
        else this.#startReply(message, message.content, false);
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) return;
      after = last.seq;
    }
  }

  async #sendSnapshot(lastSeq: number): Promise<void> {
    const messages = await this.#read(Math.max(0, lastSeq - SNAPSHOT_SIZE));
    this.#options.send({ type: 'snapshot', chat_id: this.#options.chatId, seq: lastSeq, messages });
    this.#lastSeq = lastSeq;
    for (const message of messages) {
      if (message.status === 'streaming') this.#inProgress.set(message.seq, message.content.length);
    }
  }

  async #read(afterSeq: number, limit = PAGE): Promise<MessageRecord[]> {
    const { store, tenantId, chatId } = this.#options;
    return (await store.listMessages(tenantId, chatId, { after_seq: afterSeq, limit }))?.items ?? [];
  }

  #startReply(message: MessageRecord, text: string, alreadyCounted: boolean): void {
    this.#inProgress.set(message.seq, text.length);
    if (!alreadyCounted) this.#lastSeq = Math.max(this.#lastSeq, message.seq);
    if (this.#options.stream) {
      this.#options.send({
        type: 'response_start',
        chat_id: this.#options.chatId,
        seq: message.seq,
        message,
        text,
      });
    }
  }

  #growReply(message: MessageRecord, text: string): void {
    const sent = this.#inProgress.get(message.seq) ?? 0;
    if (text.length <= sent) return;
    this.#inProgress.set(message.seq, text.length);
    if (this.#options.stream) {
      this.#options.send({
        type: 'response_delta',
        chat_id: this.#options.chatId,
        seq: message.seq,
        message_id: message.id,
        offset: sent,
        delta: text.slice(sent),
      });
    }
  }

  /** A final message: a new one, or the end of a reply this socket saw start. */
  #deliverFinal(message: MessageRecord): void {
    const { send, chatId, stream } = this.#options;
    const wasInProgress = this.#inProgress.delete(message.seq);
    this.#lastSeq = Math.max(this.#lastSeq, message.seq);
    if (message.role === 'user' && this.#options.echoVisitorMessages === false) return;
    if (wasInProgress && stream) send({ type: 'response_end', chat_id: chatId, seq: message.seq, message });
    else send({ type: 'chat_message', chat_id: chatId, seq: message.seq, message });
  }
}

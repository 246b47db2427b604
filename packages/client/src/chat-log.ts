/**
 * One chat as the client holds it: the server's messages by `seq`, each applied once, the reply
 * being written, and the visitor's messages not yet stored. Pure state, no I/O: the realtime
 * connection feeds it frames, the controller reads it.
 *
 * The rules are the protocol's (docs/protocol.md, "Reconnecting: a recipe for client authors"):
 * upsert by seq, so a message delivered twice (REST answer and socket echo, or a resume that
 * overlaps) is held once; append a delta only at the offset the client has; replace on
 * `response_end` and `snapshot`. The resume point is the highest seq up to which every message is
 * held in final form.
 */
import type { Message, ServerFrame, Source } from '@miptech/protocol';

/** A message as a UI shows it. */
export interface ChatMessage {
  /** The server's id; for a message not yet stored, `local:<client_message_id>`. */
  id: string;
  /** Position in the chat; null until stored. */
  seq: number | null;
  role: Message['role'];
  content: string;
  /** `sending` and `error` are the client's own, for messages not yet stored. */
  status: 'sending' | 'error' | Message['status'];
  client_message_id: string | null;
  metadata: Record<string, unknown>;
  /** The passages an assistant reply cites, numbered as its `[n]`. */
  sources: Source[];
  created_at: string;
  /** Why sending failed, for `status: 'error'`. */
  error?: string;
}

/** What applying a frame found out, beyond the new state. */
export type ApplyResult = 'applied' | 'ignored' | 'gap';

export class ChatLog {
  readonly chatId: string;
  /** Server messages by seq. */
  readonly #bySeq = new Map<number, Message>();
  /** Messages sent but not stored yet, by client_message_id, in sending order. */
  readonly #pending = new Map<string, ChatMessage>();
  /** Seqs before the first one held are not ours to count (a snapshot starts mid-history). */
  #base = 0;
  #view: ChatMessage[] | undefined;

  constructor(chatId: string) {
    this.chatId = chatId;
  }

  /** Every seq up to this one is held in final form: where a resume starts (`since_seq`). */
  get resumePoint(): number {
    let seq = this.#base;
    for (;;) {
      const next = this.#bySeq.get(seq + 1);
      if (!next || next.status === 'streaming') return seq;
      seq += 1;
    }
  }

  /** The newest seq held. */
  get lastSeq(): number {
    let last = this.#base;
    for (const seq of this.#bySeq.keys()) last = Math.max(last, seq);
    return last;
  }

  /** Messages in order, then those not stored yet; the same array until something changes. */
  get messages(): ChatMessage[] {
    this.#view ??= [
      ...[...this.#bySeq.values()].sort((a, b) => a.seq - b.seq).map(toChatMessage),
      ...this.#pending.values(),
    ];
    return this.#view;
  }

  /** Stored messages from history (REST), upserted like any other. */
  load(messages: readonly Message[]): void {
    for (const message of messages) this.#upsert(message);
  }

  /** A message the visitor is sending (shown at once, as `sending`). */
  addPending(clientMessageId: string, content: string, createdAt = new Date().toISOString()): void {
    this.#pending.set(clientMessageId, {
      id: `local:${clientMessageId}`,
      seq: null,
      role: 'user',
      content,
      status: 'sending',
      client_message_id: clientMessageId,
      metadata: {},
      sources: [],
      created_at: createdAt,
    });
    this.#changed();
  }

  /** Sending failed: the message stays, marked, for `retry()`. */
  failPending(clientMessageId: string, error: string): void {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return;
    this.#pending.set(clientMessageId, { ...pending, status: 'error', error });
    this.#changed();
  }

  /** Sending again: back to `sending`. */
  retryPending(clientMessageId: string): ChatMessage | undefined {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return undefined;
    const { error: _error, ...rest } = pending;
    this.#pending.set(clientMessageId, { ...rest, status: 'sending' });
    this.#changed();
    return pending;
  }

  /** A stored message, from the REST answer or any frame: replaces its pending copy. */
  confirm(message: Message): void {
    this.#upsert(message);
  }

  /** Applies one server frame about this chat. `gap` means: rejoin from the resume point. */
  apply(frame: ServerFrame): ApplyResult {
    switch (frame.type) {
      case 'chat_message':
      case 'ack':
      case 'response_end':
        return this.#upsert(frame.message);
      case 'response_start': {
        const held = this.#bySeq.get(frame.seq);
        // A reply already held in final form stays final (a late start after a resume).
        if (held && held.status !== 'streaming') return 'ignored';
        this.#bySeq.set(frame.seq, { ...frame.message, content: frame.text, status: 'streaming' });
        this.#changed();
        return 'applied';
      }
      case 'response_delta': {
        const held = this.#bySeq.get(frame.seq);
        if (!held) return 'gap';
        if (held.status !== 'streaming') return 'ignored';
        if (frame.offset < held.content.length) return 'ignored';
        if (frame.offset > held.content.length) return 'gap';
        this.#bySeq.set(frame.seq, { ...held, content: held.content + frame.delta });
        this.#changed();
        return 'applied';
      }
      case 'snapshot':
        this.#bySeq.clear();
        this.#base = frame.messages[0] ? frame.messages[0].seq - 1 : frame.seq;
        for (const message of frame.messages) this.#upsert(message);
        this.#changed();
        return 'applied';
      default:
        return 'ignored';
    }
  }

  #upsert(message: Message): ApplyResult {
    const wasPending = message.client_message_id ? this.#pending.delete(message.client_message_id) : false;
    if (wasPending) this.#changed();
    const held = this.#bySeq.get(message.seq);
    // Never go back from a final reply to a streaming copy of it (frames of a resume may overlap).
    if (held && held.status !== 'streaming' && message.status === 'streaming') return 'ignored';
    if (held && sameVersion(held, message)) return 'ignored';
    this.#bySeq.set(message.seq, message);
    this.#changed();
    // Every seq is delivered to a joined socket: a hole below this one means frames were lost.
    return message.seq - 1 <= this.#base || this.#bySeq.has(message.seq - 1) ? 'applied' : 'gap';
  }

  #changed(): void {
    this.#view = undefined;
  }
}

const sameVersion = (a: Message, b: Message) =>
  a.status === b.status && a.content === b.content && a.updated_at === b.updated_at;

function toChatMessage(message: Message): ChatMessage {
  const sources = message.metadata.sources;
  return {
    id: message.id,
    seq: message.seq,
    role: message.role,
    content: message.content,
    status: message.status,
    client_message_id: message.client_message_id,
    metadata: message.metadata,
    sources: Array.isArray(sources) ? (sources as Source[]) : [],
    created_at: message.created_at,
  };
}

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
 *
 * Fan-out cost (issue 16): a live event usually becomes the same frame for every socket of the
 * chat, so that frame is serialised once per event and the bytes shared (see {@link sharedFrame});
 * and an event is applied synchronously when nothing is in progress, so the ordering queue costs
 * no promise per event per subscriber: only a step that reads the database waits asynchronously.
 */
import type { ServerFrame } from '@miptech/protocol';
import type { BusEvent } from '../bus/bus.ts';
import { asChatEvent, type ChatEvent } from '../bus/chat-events.ts';
import type { MessageRecord, Store } from '../storage/store.ts';
import type { HubMember } from './channel-hub.ts';

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
  /**
   * Sends a frame to the socket; `serialized`, when given, is the frame already serialised (as
   * UTF-8 JSON), shared with the other sockets the same event goes to.
   */
  send: (frame: ServerFrame, serialized?: Buffer) => void;
  /** This connection's id: its own typing frames are not echoed back. */
  connectionId: string;
  /**
   * Send the visitor's own messages as `chat_message` (default). A seed-style socket that only
   * named its session gets `false`: its client shows its own bubble already and appends every
   * `chat_message` it receives (decision 010). Its seq still advances past them.
   */
  echoVisitorMessages?: boolean;
  /** Whether the socket acts for staff now: only staff receive internal notes (`chat_note`) and a visitor's typing. */
  isStaff?: () => boolean;
}

/**
 * Serialised frames per live event: the hub hands one event object to every subscription of the
 * channel, so they find each other's serialisation here. The key names what else the frame depends
 * on (its type, an offset); weak, so an event's frames go with the event.
 */
const sharedFrames = new WeakMap<ChatEvent, Map<string, Buffer>>();

function sharedFrame(event: ChatEvent, key: string, frame: ServerFrame): Buffer {
  let frames = sharedFrames.get(event);
  if (!frames) {
    frames = new Map();
    sharedFrames.set(event, frames);
  }
  let bytes = frames.get(key);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(frame));
    frames.set(key, bytes);
  }
  return bytes;
}

type Step = () => void | Promise<void>;

export class ChatSubscription implements HubMember {
  readonly #options: ChatSubscriptionOptions;
  /** Newest seq sent to the socket. */
  #lastSeq = 0;
  /** Replies in progress: seq → characters of text sent. */
  readonly #inProgress = new Map<number, number>();
  /** Everything runs one step at a time, in arrival order: the steps waiting their turn. */
  readonly #steps: Step[] = [];
  /** A step is running (maybe waiting on the database): new ones queue behind it. */
  #running = false;
  /** The live event being applied, whose frames are shared with the other subscriptions. */
  #current: ChatEvent | undefined;
  /** Callers of steps not yet finished, let go by {@link close}. */
  readonly #waiting = new Set<() => void>();
  /**
   * Events handed in before `join` was called (the bus delivers as soon as the channel is open,
   * before the connection gets to `join`): they wait behind the join; undefined once joined.
   */
  #early: ChatEvent[] | undefined = [];
  #closed = false;

  constructor(options: ChatSubscriptionOptions) {
    this.#options = options;
  }

  /** The newest seq sent to the socket: what an ephemeral frame (presence) carries. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Sends `joined`, then what the socket missed since `sinceSeq` (or only the replies in progress,
   * when it names no seq), then opens the gate for live events queued meanwhile.
   */
  join(sinceSeq: number | undefined, lastSeq: number): Promise<void> {
    const joined = this.#enqueueAsync(async () => {
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
    for (const event of early) this.#enqueue(() => this.#applyLive(event));
    return joined;
  }

  /** Handles an event of the chat's channel (queued behind any join or catch-up in progress). */
  handle(busEvent: BusEvent): void {
    const event = asChatEvent(busEvent);
    if (!event) return;
    if (this.#early) this.#early.push(event);
    else this.#enqueue(() => this.#applyLive(event));
  }

  /** Re-reads what may have been missed, e.g. after the bus recovered from an outage. */
  resync(): void {
    // Before the join, there is nothing to re-read: the join reads the database itself.
    if (!this.#early) this.#enqueue(() => this.#catchUp());
  }

  close(): void {
    this.#closed = true;
    for (const resolve of this.#waiting) resolve();
    this.#waiting.clear();
  }

  /** Runs `step` in turn; resolves once it ran (never rejects: a failed step is skipped). */
  #enqueueAsync(step: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve();
      // Closed before its turn: the step never runs, and close() lets the caller go on.
      this.#waiting.add(resolve);
      this.#enqueue(step);
      // A step of its own, so the caller goes on once the queue moved past `step` (the events that
      // waited behind it are sent by then), not while the queue still counts it as running.
      this.#enqueue(() => {
        this.#waiting.delete(resolve);
        resolve();
      });
    });
  }

  /** Runs `step` now when nothing else is in progress, else after the steps before it. */
  #enqueue(step: Step): void {
    if (this.#closed) return;
    this.#steps.push(step);
    if (!this.#running) this.#drain();
  }

  #drain(): void {
    this.#running = true;
    for (let step = this.#steps.shift(); step; step = this.#steps.shift()) {
      if (this.#closed) break;
      let result: void | Promise<void>;
      try {
        result = step();
      } catch {
        continue;
      }
      if (result instanceof Promise) {
        // Only a step that reads the database gets here; the rest wait for it.
        result.then(
          () => this.#drain(),
          () => this.#drain(),
        );
        return;
      }
    }
    if (this.#closed) this.#steps.length = 0;
    this.#running = false;
  }

  #applyLive(event: ChatEvent): void | Promise<void> {
    this.#current = event;
    try {
      return this.#apply(event);
    } finally {
      this.#current = undefined;
    }
  }

  /** Sends `frame`; from a live event, serialised once for every socket it goes to (`key`: see {@link sharedFrame}). */
  #send(frame: ServerFrame, key: string): void {
    const event = this.#current;
    this.#options.send(frame, event ? sharedFrame(event, key, frame) : undefined);
  }

  #apply(event: ChatEvent): void | Promise<void> {
    const { chatId, connectionId } = this.#options;
    switch (event.kind) {
      case 'typing':
        // Never echoed; a visitor's typing is for staff only (another tab of the same visitor, or
        // an anonymous socket of development, has no use for it).
        if (event.connection_id === connectionId) return;
        if (event.role === 'visitor' && !this.#options.isStaff?.()) return;
        this.#send(
          {
            type: 'typing',
            chat_id: chatId,
            seq: this.#lastSeq,
            role: event.role,
            is_typing: event.is_typing,
            ...(event.role === 'operator' && typeof event.name === 'string' ? { name: event.name } : {}),
          },
          `typing:${this.#lastSeq}`,
        );
        return;
      case 'status':
        this.#send({ type: 'chat_status', chat_id: chatId, seq: event.seq, status: event.status }, 'status');
        return;
      case 'stop':
        return;
      case 'note':
        // Internal notes are for staff: a visitor's socket never hears of them.
        if (this.#options.isStaff?.()) {
          const { note } = event;
          this.#send(
            { type: 'chat_note', chat_id: chatId, seq: note.after_seq, note: { ...note, kind: 'note' } },
            'note',
          );
        }
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
      const frame = {
        type: 'response_start',
        chat_id: this.#options.chatId,
        seq: message.seq,
        message,
        text,
      } as const;
      this.#send(frame, `start:${message.seq}`);
    }
  }

  #growReply(message: MessageRecord, text: string): void {
    const sent = this.#inProgress.get(message.seq) ?? 0;
    if (text.length <= sent) return;
    this.#inProgress.set(message.seq, text.length);
    if (this.#options.stream) {
      const frame = {
        type: 'response_delta',
        chat_id: this.#options.chatId,
        seq: message.seq,
        message_id: message.id,
        offset: sent,
        delta: text.slice(sent),
      } as const;
      this.#send(frame, `delta:${message.seq}:${sent}`);
    }
  }

  /** A final message: a new one, or the end of a reply this socket saw start. */
  #deliverFinal(message: MessageRecord): void {
    const { chatId, stream } = this.#options;
    const wasInProgress = this.#inProgress.delete(message.seq);
    this.#lastSeq = Math.max(this.#lastSeq, message.seq);
    if (message.role === 'user' && this.#options.echoVisitorMessages === false) return;
    if (wasInProgress && stream) {
      this.#send({ type: 'response_end', chat_id: chatId, seq: message.seq, message }, `end:${message.seq}`);
    } else {
      this.#send(
        { type: 'chat_message', chat_id: chatId, seq: message.seq, message },
        `final:${message.seq}`,
      );
    }
  }
}

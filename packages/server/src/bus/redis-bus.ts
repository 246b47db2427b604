/**
 * The bus over Redis pub/sub, for several instances behind one load balancer. `MemoryBus` does the
 * local delivery; this adapter only carries events between instances.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BusEvent } from './bus.ts';
import { type BusOptions, MemoryBus } from './memory-bus.ts';

/** Bus channel `c` is the Redis channel `miptech:bus:c`, apart from whatever else uses the server. */
export const REDIS_CHANNEL_PREFIX = 'miptech:bus:';

/** How long starting, subscribing or publishing waits on Redis before going on without it. */
const REDIS_WAIT_MS = 2000;

export interface RedisBusOptions extends BusOptions {
  /** `redis://host:port`, as in `REDIS_URL`. */
  url: string;
  /** Tells this instance's own events apart when Redis echoes them back; random by default. */
  instanceId?: string;
}

/** What travels on Redis: the event and the instance that published it. */
interface WireMessage {
  origin: string;
  event: BusEvent;
}

/**
 * Events reach every instance subscribed through the same Redis. Redis being down never fails a
 * call: local subscribers are still served, and `onRecovered` fires when it is back.
 *
 * @example
 * ```ts
 * const bus = await RedisBus.connect({ url: 'redis://127.0.0.1:6379', log: app.log });
 * await bus.subscribe('chat:42', (event) => notifySockets(event));
 * await bus.publish('chat:42', { type: 'chat-changed', seq: 7 }); // on every instance
 * ```
 */
export class RedisBus extends MemoryBus {
  override readonly kind = 'redis';
  readonly instanceId: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #connecting: Promise<unknown>;
  /** Set while the subscriber is down (from a failed first attempt on): other instances' events are missed. */
  #interrupted = false;

  /** Creates a bus and waits (at most ~2 s) for Redis; a Redis that is down does not fail the start. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const bus = new RedisBus(options);
    await within(bus.#connecting, REDIS_WAIT_MS);
    return bus;
  }

  /** Starts connecting in the background; {@link RedisBus.connect} also waits for it. */
  constructor(options: RedisBusOptions) {
    super(options);
    this.instanceId = options.instanceId ?? randomUUID();
    const common = { lazyConnect: true, connectTimeout: REDIS_WAIT_MS };
    // Publishing while Redis is down fails fast rather than queueing: local delivery already happened.
    this.#publisher = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    // SUBSCRIBEs made while Redis is down wait in the offline queue for as long as it takes, since
    // ioredis's autoResubscribe only restores channels that were subscribed before the outage.
    this.#subscriber = new Redis(options.url, { ...common, maxRetriesPerRequest: null });
    this.#reportOutages(this.#publisher, 'publisher');
    this.#reportOutages(this.#subscriber, 'subscriber');
    this.#subscriber.on('message', (channel: string, payload: string) => this.#receive(channel, payload));
    this.#subscriber.on('close', () => {
      this.#interrupted = true;
    });
    this.#subscriber.on('ready', () => {
      if (!this.#interrupted || this.closing) return;
      this.#interrupted = false;
      // ioredis re-sends the SUBSCRIBEs just before emitting `ready`; a PING answered after them means
      // the channels are live again, so listeners that catch up now miss nothing.
      void this.#settle(this.#subscriber.ping(), 'ping', this.#subscriber).then(() => this.notifyRecovered());
    });
    this.#connecting = Promise.all([this.#publisher.connect(), this.#subscriber.connect()]).catch(() => {});
  }

  override isConnected(): boolean {
    return this.#publisher.status === 'ready' && this.#subscriber.status === 'ready';
  }

  protected override async transmit(channel: string, event: BusEvent): Promise<void> {
    const message: WireMessage = { origin: this.instanceId, event };
    const published = this.#publisher.publish(REDIS_CHANNEL_PREFIX + channel, JSON.stringify(message));
    await this.#settle(published, 'publish', this.#publisher);
  }

  protected override async openChannel(channel: string): Promise<void> {
    const subscribed = this.#subscriber.subscribe(REDIS_CHANNEL_PREFIX + channel);
    await this.#settle(subscribed, 'subscribe', this.#subscriber);
  }

  protected override async closeChannel(channel: string): Promise<void> {
    const unsubscribed = this.#subscriber.unsubscribe(REDIS_CHANNEL_PREFIX + channel);
    await this.#settle(unsubscribed, 'unsubscribe', this.#subscriber);
  }

  protected override async release(): Promise<void> {
    await Promise.all(
      [this.#publisher, this.#subscriber].map(async (connection) => {
        if (connection.status === 'ready') await this.#settle(connection.quit(), 'quit', connection);
        // Whatever QUIT did, no reconnecting afterwards (a no-op once the connection has ended).
        connection.disconnect();
      }),
    );
  }

  /**
   * Logs a failure of `operation` instead of throwing it, and waits for it only while `connection`
   * is up (and then at most ~2 s): when Redis is down, callers go on with local delivery.
   */
  async #settle(operation: Promise<unknown>, action: string, connection: Redis): Promise<void> {
    const settled = operation.then(
      () => {},
      (error: unknown) => {
        if (!this.closing) this.log?.warn({ err: error, action }, 'Redis bus: a command failed');
      },
    );
    if (connection.status === 'ready') await within(settled, REDIS_WAIT_MS);
  }

  #receive(redisChannel: string, payload: string): void {
    if (!redisChannel.startsWith(REDIS_CHANNEL_PREFIX)) return;
    let message: Partial<WireMessage>;
    try {
      message = JSON.parse(payload);
    } catch {
      this.log?.warn({ channel: redisChannel }, 'Redis bus: ignored a message that is not JSON');
      return;
    }
    const { origin, event } = message ?? {};
    // Our own events come back from Redis, but local subscribers already had them.
    if (origin === this.instanceId || !isEvent(event)) return;
    this.deliver(redisChannel.slice(REDIS_CHANNEL_PREFIX.length), event);
  }

  /** Logs the first error of each outage only: ioredis reports every failed reconnect attempt. */
  #reportOutages(connection: Redis, role: string): void {
    let reported = false;
    connection.on('error', (error: Error) => {
      if (!reported && !this.closing) this.log?.warn({ err: error, role }, 'Redis bus: Redis unreachable');
      reported = true;
    });
    connection.on('ready', () => {
      reported = false;
    });
  }
}

function isEvent(value: unknown): value is BusEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Waits for `promise`, but no longer than `milliseconds`. */
async function within(promise: Promise<unknown>, milliseconds: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, milliseconds).unref();
  });
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}

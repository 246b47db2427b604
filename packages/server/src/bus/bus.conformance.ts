/**
 * The conformance suite every `Bus` implementation must pass (as socket.io's adapter suite runs
 * against every adapter). A new backend is done when this passes against it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bus, BusEvent } from './bus.ts';

/** How the suite reaches a backend. */
export interface BusHarness {
  /** Opens a bus as a new instance: buses opened separately reach each other when `multipleInstances`. */
  open(): Promise<Bus>;
  /** False for the in-process bus, which is one instance by definition: cross-instance cases skip. */
  multipleInstances: boolean;
  /** How many instances listen to `channel` on the shared transport; omitted without one. */
  transportListeners?(channel: string): Promise<number>;
  /** Releases what the harness holds. */
  destroy?(): Promise<void>;
}

/** Collects what a handler receives. */
function recorder() {
  const events: BusEvent[] = [];
  return { events, handler: (event: BusEvent) => void events.push(event) };
}

const WAIT = { timeout: 5000, interval: 5 };
const runId = randomUUID().slice(0, 8);
let channelCounter = 0;
/** A channel no other test or test run uses, so suites can share one Redis in parallel. */
const freshChannel = (name: string) => `conformance:${runId}:${++channelCounter}:${name}`;

/**
 * Registers the suite for one backend; `harness` returns undefined when the backend is not
 * available on this machine (the cases then skip), as `findTestRedis` decides.
 *
 * @example
 * ```ts
 * describeBusConformance('memory', async () => ({ open: async () => new MemoryBus(), multipleInstances: false }));
 * ```
 */
export function describeBusConformance(
  name: string,
  harness: () => Promise<BusHarness | undefined>,
  /** Whether the implementation spans instances; the cross-instance cases exist only then. */
  spansInstances = true,
): void {
  describe(`Bus conformance: ${name}`, () => {
    let setup: BusHarness | undefined;
    let probe: Bus | undefined;
    const opened: Bus[] = [];

    beforeAll(async () => {
      setup = await harness();
      if (setup?.multipleInstances) probe = await setup.open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    afterAll(async () => {
      await probe?.close();
      await setup?.destroy?.();
    });

    /** Cross-instance cases are not defined at all for a single-instance bus (nothing to skip). */
    const test = (title: string, body: (setup: BusHarness) => Promise<void>, crossInstance = false) => {
      if (crossInstance && !spansInstances) return;
      it(title, async (context) => {
        if (!setup) return context.skip(`${name} is not available on this machine`);
        await body(setup);
      });
    };

    async function open(): Promise<Bus> {
      const bus = await (setup as BusHarness).open();
      opened.push(bus);
      return bus;
    }
    /** Another instance when the backend has them: the shared cases then check it too. */
    const others = async (): Promise<Bus[]> => (setup?.multipleInstances ? [await open()] : []);

    /**
     * Resolves once everything published so far (publish resolved) has reached `bus`'s handlers, so
     * "nothing more arrives" can be checked without sleeping: the transport hands an instance its
     * events in the order it accepted them, so a marker published now arrives behind them (in one
     * process, it is queued behind them).
     */
    async function settle(bus: Bus): Promise<void> {
      const channel = freshChannel('marker');
      const { promise, resolve } = Promise.withResolvers<void>();
      const unsubscribe = await bus.subscribe(channel, () => resolve());
      await (probe ?? bus).publish(channel, { marker: true });
      await promise;
      await unsubscribe();
    }

    test('delivers to every subscriber of the channel, on every instance, and to no other channel', async () => {
      const [bus, ...remote] = [await open(), ...(await others())];
      const channel = freshChannel('chat');
      const [first, second, elsewhere, far] = [recorder(), recorder(), recorder(), recorder()];
      await bus.subscribe(channel, first.handler);
      await bus.subscribe(channel, second.handler);
      await bus.subscribe(freshChannel('other'), elsewhere.handler);
      for (const other of remote) await other.subscribe(channel, far.handler);

      await bus.publish(channel, { type: 'chat-changed', seq: 1 });
      const expected = [{ type: 'chat-changed', seq: 1 }];
      await vi.waitFor(() => expect(first.events).toEqual(expected), WAIT);
      for (const instance of [bus, ...remote]) await settle(instance);
      expect(second.events).toEqual(expected);
      expect(far.events).toEqual(remote.length ? expected : []);
      expect(elsewhere.events).toEqual([]);
    });

    test('keeps the order of many events from one publisher', async () => {
      const [bus, ...remote] = [await open(), ...(await others())];
      const channel = freshChannel('ordered');
      const [local, far] = [recorder(), recorder()];
      await bus.subscribe(channel, local.handler);
      for (const other of remote) await other.subscribe(channel, far.handler);

      const expected = Array.from({ length: 500 }, (_, index) => ({ index }));
      await Promise.all(expected.map((event) => bus.publish(channel, event)));
      await vi.waitFor(() => expect(local.events).toHaveLength(500), WAIT);
      expect(local.events).toEqual(expected);
      if (remote.length) await vi.waitFor(() => expect(far.events).toEqual(expected), WAIT);
    });

    test("gives a publisher's own subscribers its events exactly once", async () => {
      const bus = await open();
      const channel = freshChannel('own');
      const own = recorder();
      await bus.subscribe(channel, own.handler);
      for (let index = 0; index < 3; index++) await bus.publish(channel, { index });
      // Through Redis the events also come back to their publisher; they must not be delivered twice.
      await settle(bus);
      expect(own.events).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }]);
    });

    test('stops delivering after unsubscribe and releases the channel with its last subscriber', async (setup) => {
      const [bus, ...remote] = [await open(), ...(await others())];
      const channel = freshChannel('leaving');
      const [leaving, staying, far] = [recorder(), recorder(), recorder()];
      const unsubscribeLeaving = await bus.subscribe(channel, leaving.handler);
      const unsubscribeStaying = await bus.subscribe(channel, staying.handler);
      const unsubscribeFar = await Promise.all(remote.map((other) => other.subscribe(channel, far.handler)));
      await unsubscribeLeaving();
      await unsubscribeLeaving(); // a second call must not take another subscriber's place
      for (const publisher of [bus, ...remote]) await publisher.publish(channel, { step: 1 });
      for (const instance of [bus, ...remote]) await settle(instance);
      expect(leaving.events).toEqual([]);
      expect(staying.events).toHaveLength(1 + remote.length);
      if (setup.transportListeners) expect(await setup.transportListeners(channel)).toBe(1 + remote.length);

      await unsubscribeStaying();
      for (const unsubscribe of unsubscribeFar) await unsubscribe();
      if (setup.transportListeners) expect(await setup.transportListeners(channel)).toBe(0);
      for (const publisher of [bus, ...remote]) await publisher.publish(channel, { step: 2 });
      for (const instance of [bus, ...remote]) await settle(instance);
      expect(staying.events).toHaveLength(1 + remote.length);
      expect(far.events).toHaveLength(remote.length ? 2 : 0);

      // A released channel can be subscribed again.
      const again = recorder();
      await bus.subscribe(channel, again.handler);
      for (const publisher of [bus, ...remote]) await publisher.publish(channel, { step: 3 });
      await vi.waitFor(() => expect(again.events).toHaveLength(1 + remote.length), WAIT);
    });

    test('a throwing subscriber neither stops delivery to the others nor reaches the publisher', async () => {
      const [bus, ...remote] = [await open(), ...(await others())];
      const channel = freshChannel('throwing');
      const thrower = vi.fn(() => {
        throw new Error('subscriber bug');
      });
      const [local, far] = [recorder(), recorder()];
      for (const instance of [bus, ...remote]) await instance.subscribe(channel, thrower);
      await bus.subscribe(channel, local.handler);
      for (const other of remote) await other.subscribe(channel, far.handler);

      await expect(bus.publish(channel, { n: 1 })).resolves.toBeUndefined();
      await bus.publish(channel, { n: 2 });
      await vi.waitFor(() => expect(local.events).toEqual([{ n: 1 }, { n: 2 }]), WAIT);
      if (remote.length) await vi.waitFor(() => expect(far.events).toEqual([{ n: 1 }, { n: 2 }]), WAIT);
      await vi.waitFor(() => expect(thrower).toHaveBeenCalledTimes(2 * (1 + remote.length)), WAIT);
    });

    test(
      'subscribe resolves only once events from other instances reach the handler',
      async () => {
        const [publisher, subscriber] = [await open(), await open()];
        const [first, second] = [recorder(), recorder()];
        // Two subscribers per channel at once: the second must wait for the opening the first started.
        // (A local Redis confirms too fast for an early resolve to show every time; redis-bus.test.ts
        // also checks it on a paused server.)
        const channels = Array.from({ length: 100 }, () => freshChannel('ready'));
        await Promise.all(
          channels.flatMap((channel) => [
            subscriber.subscribe(channel, first.handler),
            subscriber.subscribe(channel, second.handler),
          ]),
        );
        await Promise.all(channels.map((channel) => publisher.publish(channel, { channel })));
        const expected = channels.map((channel) => ({ channel }));
        await vi.waitFor(() => expect([first.events, second.events]).toEqual([expected, expected]), WAIT);
      },
      true,
    );

    test(
      'delivers across instances both ways, exactly once and in order',
      async () => {
        const buses = [await open(), await open()];
        const channel = freshChannel('both-ways');
        const recorders = [recorder(), recorder()];
        for (const [index, { handler }] of recorders.entries())
          await buses[index]?.subscribe(channel, handler);

        const sent = (origin: number) => Array.from({ length: 100 }, (_, index) => ({ origin, index }));
        // Both publish at once; each keeps its own order.
        await Promise.all(
          buses.map(async (bus, origin) => {
            for (const event of sent(origin)) await bus.publish(channel, event);
          }),
        );
        for (const bus of buses) await settle(bus);
        for (const { events } of recorders) {
          expect(events).toHaveLength(200);
          for (const origin of [0, 1])
            expect(events.filter((event) => event.origin === origin)).toEqual(sent(origin));
        }
      },
      true,
    );

    test('close is idempotent', async () => {
      const bus = await open();
      await bus.subscribe(freshChannel('closing'), () => {});
      await Promise.all([bus.close(), bus.close()]);
      await expect(bus.close()).resolves.toBeUndefined();
    });
  });
}

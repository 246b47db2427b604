import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, REDIS_SERVER, startRedis } from '../testing/redis-server.ts';
import { findTestRedis } from '../testing/services.ts';
import { describeBusConformance } from './bus.conformance.ts';
import type { BusEvent } from './bus.ts';
import { REDIS_CHANNEL_PREFIX, RedisBus } from './redis-bus.ts';

describeBusConformance('redis', async () => {
  const url = await findTestRedis();
  if (!url) return undefined;
  const observer = new Redis(url);
  return {
    open: () => RedisBus.connect({ url }),
    multipleInstances: true,
    transportListeners: async (channel) => {
      const [, count] = await observer.pubsub('NUMSUB', REDIS_CHANNEL_PREFIX + channel);
      return Number(count);
    },
    destroy: async () => void (await observer.quit()),
  };
});

const WAIT = { timeout: 8000, interval: 20 };

async function kill(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

function recorder() {
  const events: BusEvent[] = [];
  return { events, handler: (event: BusEvent) => void events.push(event) };
}

// A Redis server of the suite's own, since pausing or killing the shared one would disturb other suites.
describe.skipIf(!existsSync(REDIS_SERVER) && !process.env.CI)('RedisBus on a Redis server of its own', () => {
  let server: ChildProcess | undefined;
  let port: number;
  let url: string;
  const buses: RedisBus[] = [];

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    server = await startRedis(port);
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await kill(server);
  });

  it('resolves subscribe only once Redis has confirmed the subscription', async () => {
    const bus = await RedisBus.connect({ url });
    buses.push(bus);
    // On a local Redis a subscription takes effect too fast for a race to show; a paused server
    // makes an early resolve visible.
    const admin = new Redis(url);
    await admin.client('PAUSE', 300, 'ALL');
    let resolved = false;
    const subscribed = bus
      .subscribe('paused', () => {})
      .then(() => {
        resolved = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resolved).toBe(false);
    await subscribed;
    expect(await admin.pubsub('NUMSUB', `${REDIS_CHANNEL_PREFIX}paused`)).toEqual([
      `${REDIS_CHANNEL_PREFIX}paused`,
      1,
    ]);
    admin.disconnect();
  });

  it('keeps serving local subscribers, reports the outage, then recovers and resubscribes', async () => {
    const [first, second] = [await RedisBus.connect({ url }), await RedisBus.connect({ url })];
    buses.push(first, second);
    const recovered = [vi.fn(), vi.fn()];
    first.onRecovered(recovered[0] as () => void);
    second.onRecovered(recovered[1] as () => void);
    const channel = `outage:${randomUUID()}`;
    const [atFirst, atSecond] = [recorder(), recorder()];
    await first.subscribe(channel, atFirst.handler);
    await second.subscribe(channel, atSecond.handler);
    await first.publish(channel, { step: 'before' });
    await vi.waitFor(() => expect(atSecond.events).toEqual([{ step: 'before' }]), WAIT);
    expect(first.isConnected() && second.isConnected()).toBe(true);

    await kill(server);
    // Right after the kill, before the client may have noticed: publish must neither throw nor hang.
    await expect(first.publish(channel, { step: 'during' })).resolves.toBeUndefined();
    await vi.waitFor(() => expect(atFirst.events).toEqual([{ step: 'before' }, { step: 'during' }]), WAIT);
    await vi.waitFor(() => expect([first.isConnected(), second.isConnected()]).toEqual([false, false]), WAIT);
    await expect(second.publish(channel, { step: 'down' })).resolves.toBeUndefined();
    await vi.waitFor(() => expect(atSecond.events).toContainEqual({ step: 'down' }), WAIT);
    // A channel first subscribed during the outage must be subscribed on Redis once it is back.
    const lateChannel = `${channel}:late`;
    const late = recorder();
    await second.subscribe(lateChannel, late.handler);
    expect(recovered[0]).not.toHaveBeenCalled();

    server = await startRedis(port);
    await vi.waitFor(() => {
      for (const listener of recovered) expect(listener).toHaveBeenCalledOnce();
      expect([first.isConnected(), second.isConnected()]).toEqual([true, true]);
    }, WAIT);
    await first.publish(channel, { step: 'after' });
    await second.publish(channel, { step: 'back' });
    await first.publish(lateChannel, { step: 'late' });
    // Each side gets its own event at once and the other's through Redis: only per-publisher order holds.
    const after = [{ step: 'after' }, { step: 'back' }];
    await vi.waitFor(() => {
      expect(atSecond.events.slice(2)).toEqual(expect.arrayContaining(after));
      expect(atFirst.events.slice(2)).toEqual(expect.arrayContaining(after));
      expect(late.events).toEqual([{ step: 'late' }]);
    }, WAIT);
    expect([atFirst.events.length, atSecond.events.length]).toEqual([4, 4]);
  });

  it('starts while Redis is down, within the connect bound, and serves local subscribers', async () => {
    const started = Date.now();
    const bus = await RedisBus.connect({ url: `redis://127.0.0.1:${await freePort()}` });
    buses.push(bus);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(bus.isConnected()).toBe(false);
    const local = recorder();
    await bus.subscribe('anything', local.handler);
    await bus.publish('anything', { seq: 1 });
    await vi.waitFor(() => expect(local.events).toEqual([{ seq: 1 }]), WAIT);
  });
});

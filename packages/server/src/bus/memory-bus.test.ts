import { describe, expect, it, vi } from 'vitest';
import { describeBusConformance } from './bus.conformance.ts';
import { MemoryBus } from './memory-bus.ts';

describeBusConformance(
  'memory',
  async () => ({ open: async () => new MemoryBus(), multipleInstances: false }),
  false,
);

describe('MemoryBus', () => {
  it('delivers after publish has returned control, never inside it', async () => {
    const bus = new MemoryBus();
    const handler = vi.fn();
    await bus.subscribe('chat', handler);
    const published = bus.publish('chat', { seq: 1 });
    expect(handler).not.toHaveBeenCalled();
    await published;
    await vi.waitFor(() => expect(handler).toHaveBeenCalledWith({ seq: 1 }));
  });

  it('reports a throwing subscriber to the log', async () => {
    const log = { warn: vi.fn() };
    const bus = new MemoryBus({ log });
    await bus.subscribe('chat', () => {
      throw new Error('subscriber bug');
    });
    await bus.publish('chat', {});
    await vi.waitFor(() =>
      expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ channel: 'chat' }), expect.any(String)),
    );
  });

  it('is always connected and never recovers, having nothing to recover from', async () => {
    const bus = new MemoryBus();
    const recovered = vi.fn();
    const remove = bus.onRecovered(recovered);
    await bus.publish('chat', {});
    expect(bus.isConnected()).toBe(true);
    expect(recovered).not.toHaveBeenCalled();
    remove();
    await bus.close();
  });
});

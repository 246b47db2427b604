import { describe, expect, test } from 'vitest';
import { ChatAppendQueue } from './chat-append-queue.ts';

/** A runGroup that records its groups and answers when `release` is called. */
function recorder(fail: (input: string) => boolean = () => false) {
  const groups: string[][] = [];
  const waiting: Array<() => void> = [];
  const queue = new ChatAppendQueue<string, string>(async (inputs) => {
    groups.push(inputs);
    await new Promise<void>((resolve) => waiting.push(resolve));
    if (inputs.some(fail)) throw new Error(`failed: ${inputs.join(',')}`);
    return inputs.map((input) => `stored ${input}`);
  });
  const releaseAll = async () => {
    while (waiting.length > 0) {
      waiting.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { queue, groups, releaseAll };
}

describe('ChatAppendQueue', () => {
  test('a lone append starts at once; appends arriving meanwhile go together, in order', async () => {
    const { queue, groups, releaseAll } = recorder();
    const first = queue.append('chat-1', 'a');
    expect(groups).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((input) => queue.append('chat-1', input));
    expect(groups).toHaveLength(1);
    await releaseAll();
    expect(await first).toBe('stored a');
    expect(await Promise.all(later)).toEqual(['stored b', 'stored c', 'stored d']);
    expect(groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  test('different chats do not wait for each other', async () => {
    const { queue, groups, releaseAll } = recorder();
    const results = [queue.append('chat-1', 'a'), queue.append('chat-2', 'b')];
    expect(groups).toEqual([['a'], ['b']]);
    await releaseAll();
    expect(await Promise.all(results)).toEqual(['stored a', 'stored b']);
  });

  test('a failing group is run again one by one, so only the bad append fails', async () => {
    const { queue, groups, releaseAll } = recorder((input) => input === 'bad');
    const first = queue.append('chat-1', 'a');
    const later = ['b', 'bad', 'c'].map((input) =>
      queue.append('chat-1', input).catch((error: Error) => error),
    );
    await releaseAll();
    expect(await first).toBe('stored a');
    const [b, bad, c] = await Promise.all(later);
    expect(b).toBe('stored b');
    expect(bad).toBeInstanceOf(Error);
    expect(c).toBe('stored c');
    expect(groups).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  test('after a chat drains, its next append starts at once again', async () => {
    const { queue, groups, releaseAll } = recorder();
    const first = queue.append('chat-1', 'a');
    await releaseAll();
    await first;
    const second = queue.append('chat-1', 'b');
    expect(groups).toEqual([['a'], ['b']]);
    await releaseAll();
    expect(await second).toBe('stored b');
  });
});

import { describe, expect, test } from 'vitest';
import { startEarly } from './start-early.ts';

describe('startEarly', () => {
  test('runs the first step at once and hands out every part in order', async () => {
    const steps: string[] = [];
    async function* parts() {
      steps.push('first step');
      yield 1;
      steps.push('second step');
      yield 2;
    }
    const started = startEarly(parts());
    expect(steps).toEqual(['first step']);
    const seen: number[] = [];
    for await (const part of started) seen.push(part);
    expect(seen).toEqual([1, 2]);
    expect(steps).toEqual(['first step', 'second step']);
  });

  test("a first step's failure surfaces when the parts are read, not before", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield* [];
      throw new Error('provider down');
    }
    const started = startEarly(failing());
    await new Promise((resolve) => setImmediate(resolve));
    await expect(
      (async () => {
        for await (const _ of started) {
          // nothing
        }
      })(),
    ).rejects.toThrow('provider down');
  });

  test('cancel ends the iterable without reading further and runs its clean-up', async () => {
    const steps: string[] = [];
    async function* parts() {
      try {
        yield 1;
        steps.push('read on');
        yield 2;
      } finally {
        steps.push('cleaned up');
      }
    }
    const started = startEarly(parts());
    await started.cancel();
    expect(steps).toEqual(['cleaned up']);
  });
});

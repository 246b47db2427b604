import { describe, expect, it } from 'vitest';
import { TypingThrottle } from './typing-throttle.ts';

describe('TypingThrottle', () => {
  it('relays one "typing" per interval and chat, and a "stop" only after a relayed "typing"', () => {
    let now = 1_000;
    const throttle = new TypingThrottle({ intervalMs: 2000, now: () => now });
    expect(throttle.admit('a', false)).toBe(false);
    expect(throttle.admit('a', true)).toBe(true);
    expect(throttle.admit('a', true)).toBe(false);
    // Another chat has its own pace.
    expect(throttle.admit('b', true)).toBe(true);
    now += 1999;
    expect(throttle.admit('a', true)).toBe(false);
    now += 1;
    expect(throttle.admit('a', true)).toBe(true);
    expect(throttle.admit('a', false)).toBe(true);
    expect(throttle.admit('a', false)).toBe(false);
    // After a stop, typing again is news at once.
    expect(throttle.admit('a', true)).toBe(true);
    expect(throttle.typingChats().sort()).toEqual(['a', 'b']);
    expect(throttle.forget('b')).toBe(true);
    expect(throttle.forget('b')).toBe(false);
    expect(throttle.typingChats()).toEqual(['a']);
  });
});

/** The session store: per tenant, 24 hours, and in memory where storage is refused. */
import { describe, expect, it } from 'vitest';
import { type KeyValueStorage, memoryStorage, SessionStore } from './session-store.ts';

describe('SessionStore', () => {
  it('keeps one session per tenant, and starts a new one after 24 hours', () => {
    let now = 1_000_000;
    const storage = memoryStorage();
    const store = new SessionStore({ tenantId: 'acme', storage, now: () => now });
    const first = store.update({ chatId: 'c1', visitorToken: 't1' });
    expect(new SessionStore({ tenantId: 'acme', storage, now: () => now }).get()).toEqual(first);
    expect(new SessionStore({ tenantId: 'other', storage, now: () => now }).get().sessionId).not.toBe(
      first.sessionId,
    );
    now += 24 * 60 * 60 * 1000;
    const later = new SessionStore({ tenantId: 'acme', storage, now: () => now }).get();
    expect(later.sessionId).not.toBe(first.sessionId);
    expect(later.chatId).toBeNull();
  });

  it('works in memory when storage throws (Safari private mode, sandboxed iframes)', () => {
    const refusing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = new SessionStore({ tenantId: 'acme', storage: refusing });
    const session = store.update({ chatId: 'c1' });
    expect(store.get()).toEqual(session);
    store.clear();
    expect(store.get().chatId).toBeNull();
  });

  it('ignores a corrupt entry instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem('miptech:acme:session', '{not json');
    expect(new SessionStore({ tenantId: 'acme', storage }).get().sessionId).toMatch(/^session_/);
  });
});

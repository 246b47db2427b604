/**
 * The conformance suite for the store's answer-engine state: a tenant's assistant settings, chat
 * handoff states (a compare-and-set), the per-visitor message count and daily token usage.
 * Every `Store` implementation runs it (see `sqlite/` and `postgres/` store tests).
 */
import { describe, expect } from 'vitest';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { Store } from './store.ts';

let counter = 0;
const freshTenantId = () => `state-${Date.now().toString(36)}-${++counter}`;

export function describeChatStateConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`Chat state conformance: ${name}`, () => {
    let store: Store;
    const { test, reopen } = storeSuite(name, harness, (opened) => {
      store = opened;
    });

    async function newChat(visitor_id = 'visitor-1', tenant_id?: string) {
      const tenant = tenant_id ?? (await store.createTenant({ id: freshTenantId(), name: 'T' })).id;
      return store.createChat({ tenant_id: tenant, session_id: 's', visitor_id, title: 'Chat', context: {} });
    }

    test('a tenant starts with empty assistant settings and keeps what is set', async () => {
      const tenant = await store.createTenant({ id: freshTenantId(), name: 'Acme' });
      expect(tenant.assistant).toEqual({});
      const settings = { persona: 'Mia', daily_token_budget: 5000, handoff_on_no_answer: true };
      expect(await store.updateTenant(tenant.id, { assistant: settings })).toMatchObject({
        assistant: settings,
      });
      // Another field's patch leaves the settings alone.
      expect(await store.updateTenant(tenant.id, { name: 'Acme Inc' })).toMatchObject({
        assistant: settings,
      });
      expect((await reopen()) && (await store.getTenant(tenant.id))?.assistant).toEqual(settings);
    });

    test("a change limited to the chat's own assignee leaves a chat another operator holds alone", async () => {
      const chat = await newChat();
      const release = {
        status: 'active',
        assigned_to: null,
        unlessAssignedToOtherThan: 'operator-2',
      } as const;
      // Unassigned: anyone's limited change applies.
      expect(
        (
          await store.updateChatStatus(chat.tenant_id, chat.id, {
            status: 'waiting_for_human',
            unlessAssignedToOtherThan: 'operator-2',
          })
        )?.changed,
      ).toBe(true);
      await store.updateChatStatus(chat.tenant_id, chat.id, {
        status: 'with_human',
        assigned_to: 'operator-1',
      });
      const refused = await store.updateChatStatus(chat.tenant_id, chat.id, release);
      expect(refused).toMatchObject({
        changed: false,
        chat: { status: 'with_human', assigned_to: 'operator-1' },
      });
      expect(await store.getChat(chat.tenant_id, chat.id)).toMatchObject({
        status: 'with_human',
        assigned_to: 'operator-1',
      });
      // The holder's own limited change applies.
      const own = await store.updateChatStatus(chat.tenant_id, chat.id, {
        ...release,
        unlessAssignedToOtherThan: 'operator-1',
      });
      expect(own).toMatchObject({ changed: true, chat: { status: 'active', assigned_to: null } });
    });

    test('a new chat is active and unassigned; a status change is kept with its assignee', async () => {
      const chat = await newChat();
      expect(chat).toMatchObject({ status: 'active', assigned_to: null });
      const waiting = await store.updateChatStatus(chat.tenant_id, chat.id, { status: 'waiting_for_human' });
      expect(waiting).toMatchObject({
        changed: true,
        chat: { status: 'waiting_for_human', assigned_to: null },
      });
      const taken = await store.updateChatStatus(chat.tenant_id, chat.id, {
        status: 'with_human',
        assigned_to: 'operator-1',
        from: ['active', 'waiting_for_human'],
      });
      expect(taken).toMatchObject({
        changed: true,
        chat: { status: 'with_human', assigned_to: 'operator-1' },
      });
      expect(await store.getChat(chat.tenant_id, chat.id)).toMatchObject({
        status: 'with_human',
        assigned_to: 'operator-1',
      });
      // The same state again changes nothing.
      const again = await store.updateChatStatus(chat.tenant_id, chat.id, { status: 'with_human' });
      expect(again).toMatchObject({ changed: false, chat: { assigned_to: 'operator-1' } });
      const released = await store.updateChatStatus(chat.tenant_id, chat.id, {
        status: 'active',
        assigned_to: null,
      });
      expect(released).toMatchObject({ changed: true, chat: { status: 'active', assigned_to: null } });
    });

    test('a change from a state the chat is not in does nothing; another tenant finds no chat', async () => {
      const chat = await newChat();
      const refused = await store.updateChatStatus(chat.tenant_id, chat.id, {
        status: 'with_human',
        assigned_to: 'operator-1',
        from: ['waiting_for_human'],
      });
      expect(refused).toMatchObject({ changed: false, chat: { status: 'active', assigned_to: null } });
      const other = await store.createTenant({ id: freshTenantId(), name: 'Other' });
      expect(await store.updateChatStatus(other.id, chat.id, { status: 'closed' })).toBeUndefined();
      expect(await store.getChat(chat.tenant_id, chat.id)).toMatchObject({ status: 'active' });
    });

    test('of concurrent take-overs of one chat exactly one succeeds', async () => {
      const chat = await newChat();
      await store.updateChatStatus(chat.tenant_id, chat.id, { status: 'waiting_for_human' });
      const operators = ['op-a', 'op-b', 'op-c', 'op-d', 'op-e'];
      const results = await Promise.all(
        operators.map((operator) =>
          store.updateChatStatus(chat.tenant_id, chat.id, {
            status: 'with_human',
            assigned_to: operator,
            from: ['waiting_for_human'],
          }),
        ),
      );
      const winners = results.filter((result) => result?.changed);
      expect(winners).toHaveLength(1);
      const stored = await store.getChat(chat.tenant_id, chat.id);
      expect(stored?.assigned_to).toBe(winners[0]?.chat.assigned_to);
    });

    test("counts a visitor's own messages since a time, across their chats and no one else's", async () => {
      const first = await newChat('visitor-a');
      const second = await newChat('visitor-a', first.tenant_id);
      const stranger = await newChat('visitor-b', first.tenant_id);
      const before = new Date(Date.now() - 1000).toISOString();
      const post = (chat: typeof first, role: 'user' | 'assistant') =>
        store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role,
          content: 'x',
          metadata: {},
        });
      await post(first, 'user');
      await post(first, 'assistant');
      await post(second, 'user');
      await post(stranger, 'user');
      expect(await store.countVisitorMessagesSince(first.tenant_id, 'visitor-a', before)).toBe(2);
      expect(await store.countVisitorMessagesSince(first.tenant_id, 'visitor-b', before)).toBe(1);
      const later = new Date(Date.now() + 60_000).toISOString();
      expect(await store.countVisitorMessagesSince(first.tenant_id, 'visitor-a', later)).toBe(0);
      const other = await store.createTenant({ id: freshTenantId(), name: 'Other' });
      expect(await store.countVisitorMessagesSince(other.id, 'visitor-a', before)).toBe(0);
    });

    test('token usage adds up per tenant and day, concurrently too', async () => {
      const tenant = await store.createTenant({ id: freshTenantId(), name: 'T' });
      const other = await store.createTenant({ id: freshTenantId(), name: 'U' });
      expect(await store.getTokenUsage(tenant.id, '2026-11-22')).toEqual({
        input_tokens: 0,
        output_tokens: 0,
      });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.addTokenUsage(tenant.id, '2026-11-22', { input_tokens: 100, output_tokens: 7 }),
        ),
      );
      await store.addTokenUsage(tenant.id, '2026-11-23', { input_tokens: 1, output_tokens: 1 });
      await store.addTokenUsage(other.id, '2026-11-22', { input_tokens: 5, output_tokens: 5 });
      expect(await store.getTokenUsage(tenant.id, '2026-11-22')).toEqual({
        input_tokens: 1000,
        output_tokens: 70,
      });
      expect(await store.getTokenUsage(tenant.id, '2026-11-23')).toEqual({
        input_tokens: 1,
        output_tokens: 1,
      });
      expect(await store.getTokenUsage(other.id, '2026-11-22')).toEqual({
        input_tokens: 5,
        output_tokens: 5,
      });
    });
  });
}

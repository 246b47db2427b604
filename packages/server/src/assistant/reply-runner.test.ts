/**
 * The reply runner starts the responder before the reply's row is committed (issue 16), yet the
 * reply is still stored and published in order: its row first, then its text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../storage/store.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import type { Responder, ResponderInput, ResponderPart } from './responder.ts';

/** What the responder found when it started: the chat's assistant messages at that moment. */
const seenAtStart: number[] = [];

function observingResponder(store: () => Store): Responder {
  return {
    name: 'observer',
    async warmUp() {},
    async *respond(input: ResponderInput): AsyncIterable<ResponderPart> {
      const page = await store().listMessages(input.tenant_id, input.chat.id, { after_seq: 0, limit: 50 });
      seenAtStart.push(page?.items.filter((item) => item.role === 'assistant').length ?? -1);
      yield { type: 'text', text: 'Open 9 to 5.' };
      yield { type: 'finish', reason: 'stop' };
    },
  };
}

describe('reply runner', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    // Read when the responder runs, by which time `platform` is set.
    platform = await createTestApp({ app: { responder: observingResponder(() => platform.store) } });
  });
  afterAll(() => platform?.close());

  it("starts the responder before the reply's row exists, and stores the reply in order", async () => {
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const posted = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: DEMO,
      payload: { content: 'When are you open?' },
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json()).toMatchObject({ role: 'assistant', content: 'Open 9 to 5.', status: 'complete' });
    // The responder ran while the reply's row was not there yet: the two overlapped.
    expect(seenAtStart).toEqual([0]);

    const page = (
      await platform.app.inject({ url: `/api/v1/chat/${chat.id}/messages`, headers: DEMO })
    ).json();
    expect(page.items.map((item: { role: string; seq: number }) => [item.role, item.seq])).toEqual([
      ['user', 1],
      ['assistant', 2],
    ]);
  });
});

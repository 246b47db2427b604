/**
 * Parser limits through the API: hostile nesting answers 422 `document_too_complex` (not a 500,
 * not a stalled server), and a large legal document is parsed off the event loop, so `/health`
 * and every other request keep being served while it is.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

/** A legal page just under the 64 KiB body limit: ~600 sections, a few levels deep. */
const BIG_PAGE = `<main>${Array.from(
  { length: 560 },
  (_, i) =>
    `<h2>Section ${i}</h2><div><p>Some text about topic ${i}, <b>bold</b> and <a href="/x">a link</a>.</p></div>`,
).join('')}</main>`;

describe('knowledge API parser limits', () => {
  let platform: TestPlatform;
  let headers: Record<string, string>;

  beforeAll(async () => {
    platform = await createTestApp();
    const owner = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: { email: 'owner@limits.example', password: 'correct horse battery staple 42' },
    });
    headers = { ...DEMO, authorization: `Bearer ${owner.json().access_token}` };
  });
  afterAll(() => platform?.close());

  const add = (source: string, format: string, body: string) =>
    platform.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/documents',
      headers,
      payload: { source, format, body },
    });

  it.each([
    ['5000 nested block quotes', 'markdown', `${'>'.repeat(5000)} deep`],
    ['12,000 nested <div> (60 KB)', 'html', `${'<div>'.repeat(12_000)}deep`],
    ['list items and quotes nested on one line', 'markdown', `${'1. >'.repeat(3000)} deep`],
  ])('answers %s with 422 document_too_complex', async (_name, format, body) => {
    const response = await add(`hostile-${format}`, format, body);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'document_too_complex',
      detail: expect.stringMatching(/too complex to index: .*the limit is \d+/),
      request_id: expect.any(String),
    });
  });

  it('parses a large legal document off the event loop', async () => {
    expect(BIG_PAGE.length).toBeGreaterThan(55_000);
    // Event-loop utilisation is the main thread's own busy share: unlike a wall-clock gap, it does
    // not grow when other processes load the machine. Parsing on the main thread keeps it near 1
    // (the parse is most of the work); on the worker the main thread mostly waits.
    const start = performance.eventLoopUtilization();
    for (let round = 0; round < 3; round++) {
      const response = await add(`big-${round}`, 'html', BIG_PAGE.replace('Section 0', `Round ${round}`));
      expect(response.statusCode).toBe(201);
      expect(response.json().passage_count).toBeGreaterThan(100);
    }
    const { utilization } = performance.eventLoopUtilization(start);
    process.stdout.write(
      `event-loop utilisation while adding 3 large documents: ${utilization.toFixed(2)}\n`,
    );
    expect(utilization).toBeLessThan(0.6);
  });
});

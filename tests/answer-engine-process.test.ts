/**
 * `npm start` with no configuration answers from the demo knowledge base: a grounded answer that
 * cites a demo document, and an honest "I don't know" with the offer of a human for the rest.
 * The platform runs as a real process, exactly as `npm start` runs it (only the port, the data
 * directory and the log level are the test's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID } from '../packages/server/src/tenancy/demo-tenant.ts';
import { logRecords, startPlatform, stopAllPlatforms } from './support/spawn-platform.ts';

const directories: string[] = [];
afterEach(async () => {
  await stopAllPlatforms();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

interface Reply {
  role: string;
  content: string;
  status: string;
  metadata: { responder?: string; sources?: Array<{ n: number; title: string; document_id: string }> };
  user_message?: { role: string; content: string };
}

describe('npm start answers from the demo knowledge base', () => {
  it('cites a demo document for a real question and offers a human for an unknown one', async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'miptech-answers-'));
    directories.push(dataDirectory);
    // RESPONDER is the one variable the test harness pins (to none); here it is back to its default.
    const platform = await startPlatform({ dataDirectory, extra: { RESPONDER: 'assistant' } });
    const headers = { 'content-type': 'application/json', 'x-tenant-id': DEMO_TENANT_ID };

    await expect
      .poll(
        async () =>
          ((await (await fetch(`${platform.url}/api/v1/health`)).json()) as Record<string, unknown>)
            .ai_services_ready,
        {
          timeout: 10_000,
        },
      )
      .toBe(true);

    const chat = (await (
      await fetch(`${platform.url}/api/v1/chat`, { method: 'POST', headers, body: '{}' })
    ).json()) as { id: string; visitor_token: string };
    const ask = async (content: string) => {
      const response = await fetch(`${platform.url}/api/v1/chat/${chat.id}/messages?wait=true`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${chat.visitor_token}` },
        body: JSON.stringify({ content }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Reply;
    };

    const services = await ask('What services does MIPTech offer?');
    expect(services).toMatchObject({
      role: 'assistant',
      status: 'complete',
      metadata: { responder: 'knowledge-base' },
    });
    expect(services.user_message).toMatchObject({
      role: 'user',
      content: 'What services does MIPTech offer?',
    });
    expect(services.content).toMatch(/\[1\]/);
    expect(services.content.toLowerCase()).toMatch(/web|ai|mobile|cloud/);
    expect(services.metadata.sources?.[0]).toMatchObject({ n: 1, title: expect.stringMatching(/services/i) });

    const unknown = await ask('Who won the football world cup in 1998?');
    expect(unknown.role).toBe('assistant');
    expect(unknown.content).toMatch(/couldn't find|don't know|do not know/i);
    expect(unknown.content).toMatch(/human|team|person/i);
    expect(unknown.metadata.sources ?? []).toEqual([]);

    // The demo knowledge was written once, on the first start.
    const ingested = logRecords(platform.stdout()).filter((record) =>
      String(record.msg).includes('demo knowledge'),
    );
    expect(ingested.length).toBeGreaterThan(0);
  });
});

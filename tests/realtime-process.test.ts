/**
 * A server killed with SIGKILL in the middle of a streamed reply, then restarted on the same data:
 * a client that resumes gets the reply as far as it was saved, then its end, marked
 * `interrupted`. Never silently cut, never left streaming forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_TENANT_ID } from '../packages/server/src/tenancy/demo-tenant.ts';
import { exitWithin, startPlatform, stopAllPlatforms } from './support/spawn-platform.ts';

const directories: string[] = [];
afterEach(async () => {
  await stopAllPlatforms();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Opens a socket and collects its frames until `until` matches one. */
function collect(
  url: string,
  until: (frame: Record<string, unknown>) => boolean,
  onOpen?: (socket: WebSocket) => void,
) {
  const frames: Array<Record<string, unknown>> = [];
  const socket = new WebSocket(url);
  const done = new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
    socket.on('open', () => onOpen?.(socket));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      frames.push(frame);
      if (until(frame)) resolve(frames);
    });
    socket.on('error', reject);
  });
  return { socket, frames, done };
}

describe('kill -9 in the middle of a streamed reply', () => {
  it('resumes after a restart with the saved text, then an end marked interrupted', async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'miptech-realtime-'));
    directories.push(dataDirectory);
    const environment = { dataDirectory, extra: { RESPONDER: 'scripted' } };
    const first = await startPlatform(environment);
    const headers = { 'content-type': 'application/json', 'x-tenant-id': DEMO_TENANT_ID };
    const chat = (await (
      await fetch(`${first.url}/api/v1/chat`, { method: 'POST', headers, body: '{}' })
    ).json()) as {
      id: string;
    };
    const wsBase = first.url.replace('http', 'ws');
    const words = Array.from({ length: 300 }, (_, index) => `word${index}`).join(' ');
    const before = collect(
      `${wsBase}/api/v1/ws/chat?tenant_id=${DEMO_TENANT_ID}&chat_id=${chat.id}&stream=true`,
      (frame) => frame.type === 'response_delta' && Number(frame.offset) > 200,
      (socket) => socket.send(JSON.stringify({ type: 'message', chat_id: chat.id, content: words })),
    );
    await before.done;
    first.child.kill('SIGKILL');
    await exitWithin(first, 10_000);
    before.socket.terminate();
    const seenBeforeCrash = before.frames
      .filter((frame) => frame.type === 'response_start' || frame.type === 'response_delta')
      .map((frame) => String(frame.type === 'response_start' ? frame.text : frame.delta))
      .join('');
    const fullReply = `You said: ${words}`;
    expect(fullReply.startsWith(seenBeforeCrash)).toBe(true);

    const second = await startPlatform(environment);
    const after = collect(
      `${second.url.replace('http', 'ws')}/api/v1/ws/chat?tenant_id=${DEMO_TENANT_ID}&chat_id=${chat.id}&stream=true&since_seq=1`,
      (frame) => frame.type === 'response_end',
    );
    const frames = await after.done;
    const start = frames.find((frame) => frame.type === 'response_start');
    const end = frames.find((frame) => frame.type === 'response_end') as {
      message: { status: string; content: string; seq: number };
    };
    expect(start).toMatchObject({ seq: 2, message: { status: 'streaming' } });
    expect(end.message).toMatchObject({ seq: 2, status: 'interrupted' });
    // What was saved is a true prefix of the reply, and the end repeats it whole.
    expect(fullReply.startsWith(end.message.content)).toBe(true);
    expect(end.message.content.length).toBeGreaterThan(0);
    expect(end.message.content.length).toBeLessThan(fullReply.length);
    expect(end.message.content.startsWith(String(start?.text))).toBe(true);
    after.socket.close();

    const history = (await (
      await fetch(`${second.url}/api/v1/chat/${chat.id}/messages`, { headers })
    ).json()) as { items: Array<{ seq: number; status: string }> };
    expect(history.items.map((message) => [message.seq, message.status])).toEqual([
      [1, 'complete'],
      [2, 'interrupted'],
    ]);
  }, 60_000);
});

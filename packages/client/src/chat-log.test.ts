/** The chat log's rules, without a server: each seq once, deltas only at their offset, resume points. */

import type { Message, ServerFrame } from '@miptech/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatLog } from './chat-log.ts';

const CHAT = 'chat-1';
const message = (
  seq: number,
  role: Message['role'],
  content: string,
  status: Message['status'] = 'complete',
): Message => ({
  id: `m${seq}`,
  chat_id: CHAT,
  seq,
  role,
  content,
  metadata: {},
  client_message_id: role === 'user' ? `c${seq}` : null,
  status,
  created_at: '2026-11-27T10:00:00.000Z',
  updated_at: `2026-11-27T10:00:0${status === 'streaming' ? 0 : 1}.000Z`,
});

/** The frames a streaming socket gets for a question and its reply, the reply in `parts`. */
function conversation(seq: number, question: string, parts: string[]): ServerFrame[] {
  const reply = parts.join('');
  const frames: ServerFrame[] = [
    { type: 'chat_message', chat_id: CHAT, seq, message: message(seq, 'user', question) },
    {
      type: 'response_start',
      chat_id: CHAT,
      seq: seq + 1,
      message: message(seq + 1, 'assistant', '', 'streaming'),
      text: '',
    },
  ];
  let offset = 0;
  for (const part of parts) {
    frames.push({
      type: 'response_delta',
      chat_id: CHAT,
      seq: seq + 1,
      message_id: `m${seq + 1}`,
      offset,
      delta: part,
    });
    offset += part.length;
  }
  frames.push({
    type: 'response_end',
    chat_id: CHAT,
    seq: seq + 1,
    message: message(seq + 1, 'assistant', reply),
  });
  return frames;
}

describe('ChatLog', () => {
  it('shows a pending message at once and replaces it with the stored one, once', () => {
    const log = new ChatLog(CHAT);
    log.addPending('c1', 'hello');
    expect(log.messages).toMatchObject([{ id: 'local:c1', status: 'sending', seq: null }]);
    // The REST answer and the socket's echo: both the same stored message.
    log.confirm(message(1, 'user', 'hello'));
    log.apply({ type: 'chat_message', chat_id: CHAT, seq: 1, message: message(1, 'user', 'hello') });
    expect(log.messages).toMatchObject([{ id: 'm1', seq: 1, status: 'complete' }]);
    expect(log.messages).toHaveLength(1);
  });

  it('appends a delta only at its offset, and asks for a rejoin on a hole', () => {
    const log = new ChatLog(CHAT);
    const [, start] = conversation(1, 'q', ['ab', 'cd']);
    log.apply(start as ServerFrame);
    const delta = (offset: number, text: string): ServerFrame => ({
      type: 'response_delta',
      chat_id: CHAT,
      seq: 2,
      message_id: 'm2',
      offset,
      delta: text,
    });
    expect(log.apply(delta(0, 'ab'))).toBe('applied');
    expect(log.apply(delta(0, 'ab'))).toBe('ignored');
    expect(log.apply(delta(4, 'ef'))).toBe('gap');
    expect(log.messages.at(-1)?.content).toBe('ab');
    expect(log.resumePoint).toBe(0);
  });

  it('ends on the same list whatever is delivered twice, as a resume overlapping the live stream does', () => {
    const frames = [
      ...conversation(1, 'first', ['Hel', 'lo ', 'there']),
      ...conversation(3, 'second', ['A', 'B']),
    ];
    const clean = new ChatLog(CHAT);
    for (const frame of frames) clean.apply(frame);
    expect(clean.resumePoint).toBe(4);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: frames.length - 1 }), { maxLength: 12 }), (repeats) => {
        // Replays: after frame i, everything from frame j ≤ i again (what since_seq re-sends).
        const log = new ChatLog(CHAT);
        frames.forEach((frame, index) => {
          log.apply(frame);
          for (const from of repeats.filter((value) => value <= index)) {
            for (const again of frames.slice(from, index + 1)) log.apply(again);
          }
        });
        expect(log.messages).toEqual(clean.messages);
      }),
    );
  });

  it('starts over from a snapshot, which may begin mid-history', () => {
    const log = new ChatLog(CHAT);
    log.load([message(1, 'user', 'old')]);
    log.apply({
      type: 'snapshot',
      chat_id: CHAT,
      seq: 201,
      messages: [message(200, 'user', 'q'), message(201, 'assistant', 'a')],
    });
    expect(log.messages.map((item) => item.seq)).toEqual([200, 201]);
    expect(log.resumePoint).toBe(201);
  });
});

/**
 * Streaming: time to first token (TTFT) and to the last token, straight from the local
 * OpenAI-compatible fake server, and through the platform (a `message` frame on a socket joined
 * with `stream=true`, to the first frame carrying reply text). Added time = platform − direct,
 * medians. The fake server runs in the load generator's process, the same for both paths.
 */
import type { FakeOpenAi } from '../../packages/server/src/testing/fake-openai-server.ts';
import { createChat, openPlatformSocket } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';

export interface StreamingResult {
  tokens: number;
  paceMs: number;
  /** Replies measured (after two to warm up). */
  replies: number;
  directTtftMs: number;
  platformTtftMs: number;
  addedTtftMs: number;
  addedToLastTokenMs: number;
  /** Median time to the `ack` (the visitor's message committed). */
  ackMs: number;
  /** Median time to `response_start` (the reply's row committed, before the model is called). */
  replyStartMs: number;
  /** Median of (first token − response_start) − direct TTFT: what the LLM path itself adds. */
  addedAfterReplyStartMs: number;
}

interface Sample {
  first: number;
  last: number;
  ack: number;
  start: number;
}

/** Time to the first and the last chunk with reply text of one direct streaming call. */
export async function directCall(fake: FakeOpenAi): Promise<{ first: number; last: number }> {
  const start = performance.now();
  const response = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  let first = Number.NaN;
  let last = Number.NaN;
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) {
    const text = decoder.decode(chunk as Uint8Array, { stream: true });
    // Non-empty content only: the role chunk that opens the stream carries `"content":""`, and
    // counting it made the direct TTFT one chunk pace shorter than the platform's (which counts
    // the first reply text), so the added TTFT included a whole pace (issue 16, round 2).
    if (/"content":"[^"]/.test(text)) {
      const now = performance.now() - start;
      if (Number.isNaN(first)) first = now;
      last = now;
    }
  }
  return { first, last };
}

export async function measureStreaming(
  server: ServerProcess,
  fake: FakeOpenAi,
  options: { tokens: number; paceMs: number; replies: number },
): Promise<StreamingResult> {
  const direct: Array<{ first: number; last: number }> = [];
  const platform: Sample[] = [];
  for (let run = 0; run < options.replies + 2; run += 1) {
    const measuredDirect = await directCall(fake);
    const measuredPlatform = await platformCall(server);
    // The first two runs warm both paths up.
    if (run >= 2) {
      direct.push(measuredDirect);
      platform.push(measuredPlatform);
    }
  }
  const directTtft = median(direct.map((sample) => sample.first));
  const platformTtft = median(platform.map((sample) => sample.first));
  return {
    tokens: options.tokens,
    paceMs: options.paceMs,
    replies: options.replies,
    directTtftMs: directTtft,
    platformTtftMs: platformTtft,
    addedTtftMs: platformTtft - directTtft,
    addedToLastTokenMs:
      median(platform.map((sample) => sample.last)) - median(direct.map((sample) => sample.last)),
    ackMs: median(platform.map((sample) => sample.ack)),
    replyStartMs: median(platform.map((sample) => sample.start)),
    addedAfterReplyStartMs: median(platform.map((sample) => sample.first - sample.start)) - directTtft,
  };
}

async function platformCall(server: ServerProcess): Promise<Sample> {
  const chatId = await createChat(server.port);
  const socket = await openPlatformSocket(server.port, chatId, true);
  return new Promise((resolve) => {
    let start = 0;
    let first = Number.NaN;
    let last = Number.NaN;
    let ack = Number.NaN;
    let replyStart = Number.NaN;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as {
        type: string;
        text?: string;
        delta?: string;
        message?: { role?: string };
      };
      const now = performance.now() - start;
      if (frame.type === 'ack') ack = now;
      if (frame.type === 'response_start' && Number.isNaN(replyStart)) replyStart = now;
      if (
        (frame.type === 'response_start' && frame.text) ||
        (frame.type === 'response_delta' && frame.delta)
      ) {
        if (Number.isNaN(first)) first = now;
        last = now;
      }
      if (
        frame.type === 'response_end' ||
        (frame.type === 'chat_message' && frame.message?.role === 'assistant')
      ) {
        socket.close();
        resolve({ first, last: Number.isNaN(last) ? now : last, ack, start: replyStart });
      }
    });
    start = performance.now();
    socket.send(
      JSON.stringify({ type: 'message', chat_id: chatId, content: 'What are your opening hours?' }),
    );
  });
}

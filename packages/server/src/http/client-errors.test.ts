/**
 * What a raw TCP client can do that `inject()` cannot: send HTTP that Node's parser rejects, and
 * reset the connection right after sending. Both must end in our error body or in silence, never
 * in Fastify's bare body or a 500 with a stack in the log.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestPlatform } from '../testing/test-app.ts';
import { clientErrorResponse } from './client-error-handler.ts';

const logs: Array<Record<string, unknown>> = [];
let platform: TestPlatform;
let port: number;

beforeAll(async () => {
  platform = await createTestApp({
    env: { LOG_LEVEL: 'info' },
    logStream: { write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  port = (platform.app.server.address() as { port: number }).port;
});
afterAll(() => platform.close());

async function open(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Everything the server sends until it closes the connection. */
async function readAll(socket: Socket): Promise<string> {
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  await once(socket, 'close');
  return received;
}

/** The responses in a raw HTTP/1.1 stream (each with Content-Length). */
function responsesIn(raw: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const responses = [];
  let rest = raw;
  while (rest.includes('\r\n\r\n')) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, headerEnd).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(headerEnd + 4, headerEnd + 4 + length);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(headerEnd + 4 + length);
  }
  return responses;
}

describe('malformed HTTP', () => {
  it('answers a malformed request pipelined behind a good one with our error body, then closes', async () => {
    const socket = await open();
    const received = readAll(socket);
    socket.write(
      'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n' +
        'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n',
    );
    const responses = responsesIn(await received);
    // Node's parser may reject the pair before the first answer is written; either way the
    // connection ends with exactly one error, ours, and nothing after it.
    const bad = responses.at(-1);
    expect(responses.slice(0, -1).map((response) => response.status)).toEqual(
      responses.length === 2 ? [200] : [],
    );
    expect(bad?.status).toBe(400);
    expect(bad?.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(bad?.body ?? '');
    expect(body).toEqual({
      detail: expect.stringMatching(/\S/),
      code: 'bad_request',
      request_id: expect.any(String),
    });
    expect(bad?.headers['x-request-id']).toBe(body.request_id);
    expect(logs.some((record) => record.msg === 'malformed HTTP request refused')).toBe(true);
  });

  it('answers a request line that is not HTTP with our error body', async () => {
    const socket = await open();
    const received = readAll(socket);
    socket.write('HELLO THERE\r\n\r\n');
    const [response] = responsesIn(await received);
    expect(response?.status).toBe(400);
    expect(JSON.parse(response?.body ?? '').code).toBe('bad_request');
  });

  it('names oversized headers and timeouts with their own codes', () => {
    const overflow = responsesIn(clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' }, 'r-1'))[0];
    expect(overflow?.status).toBe(431);
    expect(JSON.parse(overflow?.body ?? '')).toMatchObject({ code: 'headers_too_large', request_id: 'r-1' });
    const timeout = responsesIn(clientErrorResponse({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, 'r-2'))[0];
    expect(timeout?.status).toBe(408);
    expect(JSON.parse(timeout?.body ?? '').code).toBe('request_timeout');
  });
});

describe('a client that resets right after sending', () => {
  it('logs no failure and no stack: the request has no address to count, not a 500', async () => {
    const body = JSON.stringify({});
    const request =
      'POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: miptech-company\r\n' +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const before = logs.length;
    for (let i = 0; i < 40; i++) {
      const socket = await open();
      socket.write(request);
      // Reset (RST, not FIN) as soon as the bytes are out: the server reads a request whose peer is gone.
      if (i % 2) socket.resetAndDestroy();
      else setImmediate(() => socket.resetAndDestroy());
    }
    await sleep(500);
    const failures = logs.slice(before).filter((record) => Number(record.level) >= 50);
    expect(failures).toEqual([]);
    // The server still serves.
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/ready`);
    expect(response.status).toBe(200);
  });
});

/**
 * REST: `POST /api/v1/chat/{id}/messages` under autocannon (10 connections, no pipelining), on
 * SQLite and PostgreSQL, against a bare Fastify route doing one insert into the same database.
 */
import autocannon from 'autocannon';
import { createChat, TENANT } from '../lib/platform-client.ts';
import type { ServerProcess } from '../lib/server-process.ts';

export interface RestResult {
  requestsPerSecond: number;
  requestsPerCpuSecond: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export async function measureRest(
  server: ServerProcess,
  kind: 'platform' | 'bare',
  seconds: number,
): Promise<RestResult> {
  const chatId = kind === 'platform' ? await createChat(server.port) : 'bench-chat';
  const url =
    kind === 'platform'
      ? `http://127.0.0.1:${server.port}/api/v1/chat/${chatId}/messages`
      : `http://127.0.0.1:${server.port}/messages/${chatId}`;
  const options = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', 'x-tenant-id': TENANT },
    body: JSON.stringify({ content: 'Hello, I would like to know your opening hours, please.' }),
    connections: 10,
    pipelining: 1,
  };
  // Warm up (JIT, statement caches, connection pools), then measure.
  await autocannon({ ...options, duration: 1 });
  const cpuBefore = server.cpuSeconds();
  const result = await autocannon({ ...options, duration: seconds });
  const cpu = server.cpuSeconds() - cpuBefore;
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / seconds,
    requestsPerCpuSecond: cpu > 0 ? ok / cpu : Number.NaN,
    errors: result.errors + result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

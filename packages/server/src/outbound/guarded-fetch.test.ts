/**
 * The guarded fetch against real loopback listeners: a public-looking name that resolves to
 * loopback is refused before any byte reaches the listener; a redirect to loopback is refused; an
 * allowed host works; the connection goes to the address that was checked, not to a second answer.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAllowList } from './allow-list.ts';
import { createGuardedFetch } from './guarded-fetch.ts';
import { type HostResolver, OutboundPolicy, OutboundRefusedError } from './outbound-policy.ts';

let server: Server;
let port: number;
const received: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request);
    if (request.url === '/to-loopback') {
      response.writeHead(307, { location: `http://127.0.0.1:${port}/secret` });
      response.end();
    } else if (request.url === '/to-localhost') {
      response.writeHead(302, { location: `http://localhost:${port}/secret` });
      response.end();
    } else if (request.url === '/same-site') {
      response.writeHead(301, { location: '/page' });
      response.end();
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`you reached ${request.url}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

/** Every name resolves to loopback here, whatever it looks like. */
const toLoopback: HostResolver = async () => ['127.0.0.1'];

describe('createGuardedFetch', () => {
  it('refuses a public-looking name that resolves to loopback, and the listener never hears of it', async () => {
    const guarded = createGuardedFetch(new OutboundPolicy({ resolve: toLoopback }));
    const refusal = await guarded(`http://llm.example.com:${port}/v1/chat/completions`, {
      method: 'POST',
      body: '{"messages":[]}',
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OutboundRefusedError);
    expect(String(refusal)).toContain('llm.example.com resolves to 127.0.0.1, which is a loopback address');
    expect(received).toHaveLength(0);
  });

  it('refuses loopback literals and localhost before connecting', async () => {
    const guarded = createGuardedFetch(new OutboundPolicy({ resolve: toLoopback }));
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
    ]) {
      await expect(guarded(url)).rejects.toThrow(OutboundRefusedError);
    }
    expect(received).toHaveLength(0);
  });

  it('reaches a host the operator allowed, and follows a redirect that stays there', async () => {
    const guarded = createGuardedFetch(
      new OutboundPolicy({ resolve: toLoopback, allow: parseAllowList('site.test') }),
    );
    const response = await guarded(`http://site.test:${port}/same-site`);
    expect(await response.text()).toBe('you reached /page');
    expect(response.url).toBe(`http://site.test:${port}/page`);
  });

  it('refuses a redirect from an allowed host to a loopback address or to localhost', async () => {
    const guarded = createGuardedFetch(
      new OutboundPolicy({ resolve: toLoopback, allow: parseAllowList('site.test') }),
    );
    for (const path of ['/to-loopback', '/to-localhost']) {
      await expect(guarded(`http://site.test:${port}${path}`)).rejects.toThrow(OutboundRefusedError);
    }
    expect(received.map((request) => request.url)).toEqual(['/to-loopback', '/to-localhost']);
  });

  it('with redirects refused, fails on any redirect instead of sending the body on', async () => {
    const guarded = createGuardedFetch(
      new OutboundPolicy({ resolve: toLoopback, allow: parseAllowList('site.test') }),
      { redirects: 'refuse' },
    );
    await expect(
      guarded(`http://site.test:${port}/same-site`, { method: 'POST', body: 'prompt' }),
    ).rejects.toThrow(/answered 301 \(a redirect\)/);
    expect(received.map((request) => request.url)).toEqual(['/same-site']);
  });

  it('connects to the address it checked, even when DNS answers differently the next time (rebinding)', async () => {
    // First answer: loopback (allowed by range); any later answer: a public address that would fail.
    let answers = 0;
    const rebinding: HostResolver = async () => (answers++ === 0 ? ['127.0.0.1'] : ['203.0.113.7']);
    const guarded = createGuardedFetch(
      new OutboundPolicy({ resolve: rebinding, allow: parseAllowList('127.0.0.0/8') }),
    );
    const response = await guarded(`http://rebind.test:${port}/pinned`);
    expect(await response.text()).toBe('you reached /pinned');
    expect(answers).toBe(1);
  });

  it('tries each checked address in turn, so a name with IPv6 and IPv4 records reaches an IPv4-only server', async () => {
    const dualStack: HostResolver = async () => ['::1', '127.0.0.1'];
    const guarded = createGuardedFetch(
      new OutboundPolicy({ resolve: dualStack, allow: parseAllowList('dual.test') }),
    );
    const response = await guarded(`http://dual.test:${port}/both`);
    expect(await response.text()).toBe('you reached /both');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { toErrorResponse } from './error-handler.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestApp();
});
afterAll(() => platform.close());

const post = (payload: string | Buffer, contentType = 'application/json', url = '/api/v1/chat') =>
  platform.app.inject({
    method: 'POST',
    url,
    headers: { ...DEMO, 'content-type': contentType },
    payload,
  });

describe('error responses', () => {
  it.each([
    [
      'an unknown route',
      () => platform.app.inject({ method: 'GET', url: '/api/v1/does-not-exist', headers: DEMO }),
      404,
      'route_not_found',
    ],
    [
      'a wrong method',
      () => platform.app.inject({ method: 'DELETE', url: '/api/v1/health' }),
      404,
      'route_not_found',
    ],
    ['malformed JSON', () => post('{"session_id": '), 400, 'invalid_json'],
    // An empty JSON body is no body: fine where the body is optional, a 422 where it is required.
    [
      'an empty JSON body where one is required',
      () => post('', 'application/json', '/api/v1/auth/login'),
      422,
      'validation_failed',
    ],
    ['a text/plain body', () => post('hello', 'text/plain'), 415, 'unsupported_media_type'],
    ['a form body', () => post('a=b', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type'],
    [
      'a body over 64 KiB',
      () => post(JSON.stringify({ title: 'x'.repeat(70_000) })),
      413,
      'payload_too_large',
    ],
    ['a JSON array', () => post('[1,2]'), 422, 'validation_failed'],
  ])('answers %s with a JSON error body', async (_name, send, status, code) => {
    const response = await send();
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/json');
    const body = response.json();
    expect(body).toMatchObject({ code, request_id: response.headers['x-request-id'] });
    expect(typeof body.detail).toBe('string');
    expect(response.body).not.toMatch(/node_modules|\.ts:\d+/);
  });

  it("keeps a caller's sane X-Request-ID and replaces an unsafe one", async () => {
    const kept = await platform.app.inject({
      url: '/api/v1/nope',
      headers: { 'x-request-id': 'trace-1234-abcd' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-1234-abcd');
    expect(kept.json().request_id).toBe('trace-1234-abcd');
    const replaced = await platform.app.inject({
      url: '/api/v1/nope',
      headers: { 'x-request-id': 'bad id <script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hides the details of our own faults and calls an unreachable database a 503', () => {
    const internal = toErrorResponse(new Error('secret stack detail'), 'r1');
    expect(internal).toEqual({
      status: 500,
      body: { code: 'internal_error', detail: 'An unexpected error occurred', request_id: 'r1' },
    });
    const unreachable = toErrorResponse(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'r2',
    );
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.code).toBe('service_unavailable');
  });
});

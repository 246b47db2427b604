/**
 * One JSON request to the platform: the base URL and tenant set once, one tenant header, a
 * timeout, a bearer token when there is one, and every failure as a {@link MIPTechError}.
 */
import { API_PREFIX } from '@miptech/protocol/constants';
import { errorFromNetwork, errorFromResponse } from './errors.ts';

export interface HttpOptions {
  /** The platform's origin, e.g. `https://api.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** The tenant's id, e.g. `miptech-company`: sent as `X-Tenant-ID`. */
  tenantId: string;
  /** Milliseconds before a request is abandoned; default 15 000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Bearer token for this request. */
  token?: string | undefined;
  /** Send and accept cookies (the operator's HttpOnly refresh cookie). */
  credentials?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export class Http {
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.tenantId = options.tenantId;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** `path` is under `/api/v1`, e.g. `/chat`. Resolves with the parsed JSON (undefined for 204). */
  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'x-tenant-id': this.tenantId, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseUrl}${API_PREFIX}${path}`, {
        method: options.method ?? 'GET',
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.credentials ? { credentials: 'include' as const } : {}),
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw errorFromNetwork(error, { baseUrl: this.baseUrl, timedOut: timeout.aborted });
    }
    if (response.status === 204) return undefined as T;
    const body = await response.json().catch(() => undefined);
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw errorFromResponse(response.status, body, {
        tenantId: this.tenantId,
        ...(retryAfter > 0 ? { retryAfter } : {}),
      });
    }
    return body as T;
  }
}

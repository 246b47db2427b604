/**
 * What the platform knows of each LLM provider setting it has used: `warming` (first used, no
 * outcome yet), `ok`, or `unavailable` with a stable error code. Real replies and warm-up probes
 * both report here, so the state is as fresh as the last call. The board holds no URL, key or
 * tenant: entries are keyed by a hash of the setting, and only codes (never provider messages,
 * which may quote URLs) are kept, so showing an entry to a tenant's staff leaks nothing.
 */
import { createHash } from 'node:crypto';
import type { ProviderErrorCode } from '@miptech/protocol';
import { APICallError, RetryError } from 'ai';
import type { LlmConfig } from '../config.ts';
import { resolvedBaseUrl } from './llm-model.ts';

/** Where a provider stands. */
export type ProviderState = 'warming' | 'ok' | 'unavailable';

/**
 * Why a provider is `unavailable` (the protocol's `ProviderErrorCode`): `misconfigured` (no model
 * or URL), `unauthorized` (401/403), `not_found` (404: URL or model), `rate_limited` (429 after
 * retries), `bad_request` (another 4xx), `server_error` (5xx, or an error event mid-stream),
 * `timeout`, `unreachable` (no connection), `refused_by_policy` (`OUTBOUND_ALLOW`),
 * `stream_dropped` (cut, or ended without finishing).
 */
export type { ProviderErrorCode };

/** One provider's state, as GET /api/v1/tenant shows it. */
export interface ProviderStatus {
  state: ProviderState;
  /** Why it is `unavailable`; null otherwise. */
  error_code: ProviderErrorCode | null;
  /** When the state was last set by an outcome (ISO time); null while `warming`. */
  checked_at: string | null;
}

/** A failure that already knows its code (warm-up probes, timeouts, unfinished streams). */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: ProviderErrorCode;
  constructor(code: ProviderErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The code of a provider failure: an error thrown or streamed by the AI SDK, a
 * {@link ProviderError}, or the outbound policy's refusal anywhere in the cause chain.
 *
 * @example
 * providerErrorCode(new APICallError({ statusCode: 401, ... })) // 'unauthorized'
 */
export function providerErrorCode(failure: unknown): ProviderErrorCode {
  const last = RetryError.isInstance(failure) ? failure.lastError : failure;
  for (let error = last, depth = 0; error instanceof Error && depth < 5; depth += 1) {
    if (error instanceof ProviderError) return error.code;
    if (error.name === 'OutboundRefusedError') return 'refused_by_policy';
    error = error.cause;
  }
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    // A 2xx whose body broke off: the SDK reports the cut as a failed "successful response".
    if (status === undefined) return 'unreachable';
    if (status >= 200 && status < 300) return 'stream_dropped';
    if (status === 401 || status === 403) return 'unauthorized';
    if (status === 404) return 'not_found';
    if (status === 429) return 'rate_limited';
    if (status >= 400 && status < 500) return 'bad_request';
    return 'server_error';
  }
  // An error event inside the stream (`data: {"error":…}`): the provider failed mid-answer.
  if (last instanceof Error && last.name === 'AI_StreamProviderError') return 'server_error';
  if (last instanceof Error && (last.name === 'TimeoutError' || last.name === 'AbortError')) return 'timeout';
  return 'server_error';
}

/** The board's key for a setting: a hash, so no URL or key sits in memory as a map key. */
export function providerKey(llm: Pick<LlmConfig, 'provider' | 'baseUrl' | 'model' | 'apiKey'>): string {
  return createHash('sha256')
    .update([llm.provider, resolvedBaseUrl(llm), llm.model ?? '', llm.apiKey ?? ''].join('\n'))
    .digest('hex');
}

/** Most settings remembered; the oldest is forgotten first (tenants may each bring their own). */
const MAX_ENTRIES = 1000;

/**
 * The state of every provider setting in use on this instance.
 *
 * @example
 * board.started(key);              // first use: warming
 * board.failed(key, 'unauthorized'); // a reply or probe failed
 * board.get(key)                   // { state: 'unavailable', error_code: 'unauthorized', checked_at: '…' }
 */
export class ProviderStatusBoard {
  readonly #entries = new Map<string, ProviderStatus>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  get(key: string): ProviderStatus | undefined {
    return this.#entries.get(key);
  }

  /** A first use: `warming` unless an outcome is already known. */
  started(key: string): void {
    if (!this.#entries.has(key)) this.#set(key, { state: 'warming', error_code: null, checked_at: null });
  }

  ok(key: string): void {
    this.#set(key, { state: 'ok', error_code: null, checked_at: this.#now().toISOString() });
  }

  failed(key: string, code: ProviderErrorCode): void {
    this.#set(key, { state: 'unavailable', error_code: code, checked_at: this.#now().toISOString() });
  }

  #set(key: string, status: ProviderStatus): void {
    // Delete first so the entry moves to the end: the map's order is then least recently set first.
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value ?? '');
    this.#entries.set(key, status);
  }
}

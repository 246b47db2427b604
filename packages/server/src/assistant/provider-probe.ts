/**
 * Warm-up probes and failure logs of LLM providers. A probe is `GET <base>/models` with the key:
 * every supported API has it, it costs no tokens, and it proves the URL, the network path and the
 * key. Nothing here ever writes the key, and URLs only without credentials or query.
 */
import { APICallError, RetryError } from 'ai';
import type { FastifyBaseLogger } from 'fastify';
import { type EffectiveLlm, resolvedBaseUrl } from './llm-model.ts';
import { ProviderError, type ProviderErrorCode, providerErrorCode } from './provider-status.ts';

/** How long a probe waits for the provider. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Resolves when the provider lists its models; rejects with a {@link ProviderError} whose message
 * says where and why (for logs), and whose `code` is safe to show.
 *
 * @example
 * await probeProvider(effectiveLlm(config.llm, {}), guardedFetch);
 */
export async function probeProvider(llm: EffectiveLlm, fetchImpl: typeof fetch): Promise<void> {
  if (llm.problem || llm.provider === 'none') {
    throw new ProviderError('misconfigured', `LLM is not configured: ${llm.problem ?? 'provider none'}`);
  }
  const url = `${resolvedBaseUrl(llm)}/models`;
  const key = llm.apiKey ?? '';
  const headers: Record<string, string> =
    llm.provider === 'anthropic'
      ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' }
      : key
        ? { authorization: `Bearer ${key}` }
        : {};
  const where = `LLM provider ${llm.provider} at ${safeUrl(url)}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers,
      signal: AbortSignal.timeout(Math.min(PROBE_TIMEOUT_MS, llm.timeoutMs)),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code: ProviderErrorCode =
      cause instanceof Error && cause.name === 'OutboundRefusedError'
        ? 'refused_by_policy'
        : error instanceof Error && error.name === 'TimeoutError'
          ? 'timeout'
          : 'unreachable';
    throw new ProviderError(
      code,
      `${where} is unreachable: ${redact(String((cause as Error)?.message ?? cause), key)}`,
      { cause: error },
    );
  }
  const body = await response.text().catch(() => '');
  if (!response.ok) {
    throw new ProviderError(
      codeOfStatus(response.status),
      `${where} answered ${response.status}: ${redact(errorMessageOf(body), key)}`,
    );
  }
}

function codeOfStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  // A redirect: guarded fetch with `redirects: 'refuse'` hands it back rather than follow it.
  if (status >= 300 && status < 400) return 'refused_by_policy';
  return status < 500 ? 'bad_request' : 'server_error';
}

/**
 * Logs why a reply failed: status, provider, model, attempts, code. Never the key, nor the request
 * body (it holds the visitor's conversation), so the error object itself is not logged.
 */
export function logFailure(
  log: FastifyBaseLogger,
  context: object,
  llm: EffectiveLlm,
  failure: unknown,
): void {
  const attempts = RetryError.isInstance(failure) ? failure.errors.length : 1;
  const last = RetryError.isInstance(failure) ? failure.lastError : failure;
  const status_code = APICallError.isInstance(last) ? last.statusCode : undefined;
  const details = {
    ...context,
    base_url: safeUrl(resolvedBaseUrl(llm)),
    status_code,
    attempts,
    error_code: providerErrorCode(failure),
    error: last instanceof Error ? last.name : typeof last,
    detail: redact(last instanceof Error ? last.message : String(last), llm.apiKey).slice(0, 300),
  };
  // A 4xx other than 429 is a setting to fix (key, model name): an error, not a passing hiccup.
  const misconfigured =
    status_code !== undefined && status_code >= 400 && status_code < 500 && status_code !== 429;
  if (misconfigured) log.error(details, 'LLM provider rejected the request');
  else log.warn(details, 'LLM provider failed');
}

/** The URL without credentials or query, fit for logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function redact(text: string, key: string | undefined): string {
  return key ? text.split(key).join('[redacted]') : text;
}

/** `error.message` of an OpenAI- or Anthropic-style error body, else the body's start. */
function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.slice(0, 200) || '(empty body)';
}

/**
 * "Test" in the console's assistant settings: one tiny call to the provider a tenant's settings
 * resolve to, through the same outbound policy and model factory as real replies, reported as ok
 * or a stable code. It never throws for the provider's fault: a wrong key is the answer, not a 500.
 */
import type { AssistantSettings, AssistantTestCode, AssistantTestResult } from '@miptech/protocol';
import { APICallError, generateText } from 'ai';
import type { LlmConfig } from '../config.ts';
import { parseAllowList } from '../outbound/allow-list.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { type OutboundPolicy, OutboundRefusedError } from '../outbound/outbound-policy.ts';
import { effectiveLlm, languageModelFor, resolvedBaseUrl } from './llm-model.ts';

/** A test waits at most this long, whatever `LLM_TIMEOUT_MS` says: someone is looking at a spinner. */
const TEST_TIMEOUT_MS = 15_000;

/**
 * @example
 * const result = await checkProvider(config.llm, tenant.assistant, outbound);
 * if (!result.ok) console.log(result.code, result.detail);
 */
export async function checkProvider(
  config: LlmConfig,
  settings: AssistantSettings,
  outbound: OutboundPolicy,
): Promise<AssistantTestResult> {
  const llm = effectiveLlm(config, settings);
  const started = Date.now();
  const result = (ok: boolean, detail: string, code?: AssistantTestCode): AssistantTestResult => ({
    ok,
    ...(code ? { reason: code } : {}),
    detail,
    provider: llm.provider,
    model: llm.model ?? null,
    latency_ms: Date.now() - started,
  });
  if (llm.provider === 'none')
    return result(
      false,
      'The built-in assistant answers from the knowledge base: no provider to call.',
      'not_configured',
    );
  if (llm.problem) return result(false, llm.problem, 'not_configured');

  // The same rule as replies (llm-responder.ts): only the platform's own base URL gets its host allowed.
  const platformUrl = config.baseUrl !== undefined && resolvedBaseUrl(llm) === resolvedBaseUrl(config);
  const policy = platformUrl
    ? outbound.allowing(parseAllowList(new URL(resolvedBaseUrl(config)).hostname))
    : outbound;
  const fetchImpl = createGuardedFetch(policy, { redirects: 'refuse' });
  try {
    const answer = await generateText({
      model: languageModelFor(llm, fetchImpl),
      prompt: 'Reply with the single word OK.',
      maxOutputTokens: 5,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(Math.min(llm.timeoutMs, TEST_TIMEOUT_MS)),
    });
    return result(true, `The provider answered: "${answer.text.trim().slice(0, 60)}"`);
  } catch (error) {
    const [code, detail] = classify(error);
    return result(false, detail, code);
  }
}

/** The error's code and a sentence for the person testing; the key never appears in either. */
function classify(error: unknown): [AssistantTestCode, string] {
  const refused = causeOfType(error, OutboundRefusedError);
  if (refused) return ['outbound_refused', `The outbound policy refused the call: ${refused.message}`];
  if (isTimeout(error)) return ['provider_timeout', 'The provider did not answer in time.'];
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (status === 401 || status === 403)
      return ['provider_unauthorized', `The provider refused the API key (HTTP ${status}).`];
    if (status === 404)
      return ['provider_not_found', 'The provider does not know this model or URL (HTTP 404).'];
    if (status === 429)
      return ['provider_rate_limited', 'The provider is rate limiting this key (HTTP 429).'];
    return ['provider_error', `The provider answered HTTP ${status}.`];
  }
  return ['provider_unreachable', `The provider could not be reached: ${rootMessage(error)}`];
}

function causeOfType<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return true;
    current = current.cause;
  }
  return false;
}

function rootMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; current instanceof Error && current.cause instanceof Error && depth < 8; depth++)
    current = current.cause;
  const message = current instanceof Error ? current.message : String(current);
  return message.slice(0, 200);
}

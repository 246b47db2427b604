/**
 * Token counts for a call the provider did not count: one that failed, stalled, dropped or was
 * stopped after the provider accepted it. Providers bill such calls (the prompt was read, tokens
 * were generated) but report usage only in the stream's last chunk, which never came; leaving them
 * out would let failures, and visitors who stop every reply, spend a tenant's money past its
 * `daily_token_budget` (OWASP LLM10).
 *
 * The estimate is OpenAI's rule of thumb for English, about four characters per token, applied to
 * the prompt as sent (system prompt and messages) and to every character the model streamed,
 * including text the visitor never saw (held back by the leak guard or the no-answer marker). It
 * is rough on purpose and errs neither way systematically: code and non-Latin scripts take more
 * tokens per character, common English words fewer. A real tokenizer per provider would be exact
 * for one model family and wrong for the others.
 */
import type { ModelMessage } from 'ai';
import type { Usage } from './responder.ts';

/** Characters per token in the estimate. */
export const CHARACTERS_PER_TOKEN = 4;

/** Tokens for `characters` characters, rounded up. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/** Characters of the prompt: the system prompt and every message's text. */
export function promptCharacters(system: string, messages: ModelMessage[]): number {
  let characters = system.length;
  for (const message of messages) {
    characters +=
      typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content).length;
  }
  return characters;
}

/**
 * The usage to count: the provider's when it reported both numbers, else an estimate once the
 * provider accepted the call (its stream started) or sent any text, else none (a call refused
 * before the stream started, a 401 or a 429, costs nothing).
 *
 * @example
 * usageToCount({ reported: undefined, accepted: true, promptCharacters: 4000, outputCharacters: 120 })
 * // { input_tokens: 1000, output_tokens: 30, estimated: true }
 */
export function usageToCount(call: {
  reported: { inputTokens: number | undefined; outputTokens: number | undefined } | undefined;
  accepted: boolean;
  promptCharacters: number;
  outputCharacters: number;
}): Usage | undefined {
  const { reported } = call;
  if (reported?.inputTokens !== undefined && reported.outputTokens !== undefined) {
    return { input_tokens: reported.inputTokens, output_tokens: reported.outputTokens };
  }
  if (!call.accepted && call.outputCharacters === 0) return undefined;
  return {
    input_tokens: estimateTokens(call.promptCharacters),
    output_tokens: estimateTokens(call.outputCharacters),
    estimated: true,
  };
}

/**
 * Refuses input that one of our databases cannot store, before it reaches a store. PostgreSQL
 * rejects NUL characters and unpaired UTF-16 surrogates in text and jsonb (SQLite takes both), so
 * without this the same request would be stored on one backend and be a 500 on the other. Deep
 * nesting is refused too: it is never legitimate here, and walking it could exhaust the stack.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.ts';

/** Deepest nesting of objects and arrays accepted in a body. */
export const MAX_DEPTH = 32;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this must find.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemIn(
  value: unknown,
  path: string,
  depth: number,
): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value)
      ? { field: path, message: 'contains a NUL character or an unpaired surrogate' }
      : undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return { field: path, message: `is nested deeper than ${MAX_DEPTH} levels` };
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key))
      return { field: path, message: 'has a key with a NUL character or an unpaired surrogate' };
    const found = problemIn(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Throws `validation_failed` when `value` (found at `path`) holds something unstorable or too deep. */
export function assertStorable(value: unknown, path: string): void {
  const problem = problemIn(value, path, 0);
  if (problem)
    throw new ApiError('validation_failed', `Invalid ${problem.field}: ${problem.message}`, [problem]);
}

export async function guardInput(request: FastifyRequest): Promise<void> {
  assertStorable(request.params, 'params');
  assertStorable(request.query, 'query');
  assertStorable(request.body, 'body');
}

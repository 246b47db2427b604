/**
 * Rejects NUL characters anywhere in a request's body, path parameters or query. PostgreSQL
 * cannot store them in text or jsonb (SQLite can), so without this check the same request would
 * be stored by one backend and fail with a 500 on the other.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';

function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (!value || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = `${path}.${key.replaceAll('\u0000', '\\0')}`;
    if (key.includes('\u0000')) return itemPath;
    const found = findNul(item, itemPath, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export async function rejectNulCharacters(request: FastifyRequest): Promise<void> {
  const field =
    findNul(request.params, 'params') ?? findNul(request.query, 'query') ?? findNul(request.body, 'body');
  if (field) {
    throw new ApiError('validation_failed', `Invalid ${field}: NUL characters are not allowed`, [
      { field, message: 'NUL characters are not allowed' },
    ]);
  }
}

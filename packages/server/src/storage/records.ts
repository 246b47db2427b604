/** Helpers shared by the store implementations: ids, clocks and row decoding. */
import { randomUUID } from 'node:crypto';

/** A new random id for a chat or message. */
export const newId = (): string => randomUUID();

/** The current time as ISO 8601 with milliseconds, the format every store returns. */
export const now = (): string => new Date().toISOString();

/** Decodes a JSON object column, tolerating drivers that already decoded it (pg's jsonb). */
export function decodeObject(value: unknown): Record<string, unknown> {
  const decoded = typeof value === 'string' ? JSON.parse(value) : value;
  return decoded && typeof decoded === 'object' && !Array.isArray(decoded)
    ? (decoded as Record<string, unknown>)
    : {};
}

/** Decodes a JSON array-of-strings column. */
export function decodeStrings(value: unknown): string[] {
  const decoded = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(decoded) ? decoded.filter((item): item is string => typeof item === 'string') : [];
}

/** A timestamp column as ISO 8601, whether the driver gave a Date or a string. */
export function decodeTime(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

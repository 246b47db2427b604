/** Helpers shared by the store implementations: ids, clocks and row decoding. */
import { randomUUID } from 'node:crypto';
import type { ChatStatus, MessageRole } from '@miptech/protocol';
import type { ChatRecord, MessageRecord, Tenant } from './store.ts';

/** A row as either driver returns it. */
type Row = Record<string, unknown>;

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

/** A tenant row; `enabled` is a boolean in PostgreSQL and 0/1 in SQLite. */
export function toTenant(row: Row): Tenant {
  return {
    id: String(row.id),
    name: String(row.name),
    allowed_origins: decodeStrings(row.allowed_origins),
    enabled: row.enabled === true || row.enabled === 1 || row.enabled === 1n,
    created_at: decodeTime(row.created_at),
    updated_at: decodeTime(row.updated_at),
  };
}

export function toChat(row: Row): ChatRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    session_id: String(row.session_id),
    visitor_id: String(row.visitor_id),
    title: String(row.title),
    status: String(row.status) as ChatStatus,
    context: decodeObject(row.context),
    last_seq: Number(row.last_seq),
    created_at: decodeTime(row.created_at),
    updated_at: decodeTime(row.updated_at),
  };
}

export function toMessage(row: Row): MessageRecord {
  return {
    id: String(row.id),
    chat_id: String(row.chat_id),
    seq: Number(row.seq),
    role: String(row.role) as MessageRole,
    content: String(row.content),
    metadata: decodeObject(row.metadata),
    client_message_id: row.client_message_id === null ? null : String(row.client_message_id),
    created_at: decodeTime(row.created_at),
  };
}

/** Helpers shared by the store implementations: ids, clocks and row decoding. */
import { createHash, randomUUID } from 'node:crypto';
import type { AssistantSettings, ChatStatus, DocumentFormat, MessageRole } from '@miptech/protocol';
import type {
  ApiKeyRecord,
  AuthSessionRecord,
  InvitationRecord,
  OperatorRecord,
  OperatorRole,
  RefreshTokenRecord,
} from './account-store.ts';
import type { DocumentRecord, NewDocument, PassageRecord } from './knowledge-store.ts';
import type { ChatRecord, MessageRecord, MessageStatus, Tenant } from './store.ts';

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

/** A nullable timestamp column: null stays null. */
export function decodeOptionalTime(value: unknown): string | null {
  return value === null || value === undefined ? null : decodeTime(value);
}

/**
 * A caller's timestamp in the one format every store writes. SQLite compares timestamps as text,
 * which orders correctly only when they all look alike; a value that is not a date throws.
 */
export function normalizeTime(value: string): string {
  return new Date(value).toISOString();
}

/** A tenant row; `enabled` is a boolean in PostgreSQL and 0/1 in SQLite. */
export function toTenant(row: Row): Tenant {
  return {
    id: String(row.id),
    name: String(row.name),
    allowed_origins: decodeStrings(row.allowed_origins),
    greeting: String(row.greeting ?? ''),
    enabled: row.enabled === true || row.enabled === 1 || row.enabled === 1n,
    // Written only through the validated settings API, so the stored object has that shape.
    assistant: decodeObject(row.assistant) as AssistantSettings,
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
    assigned_to: row.assigned_to === null || row.assigned_to === undefined ? null : String(row.assigned_to),
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
    status: String(row.status) as MessageStatus,
    created_at: decodeTime(row.created_at),
    updated_at: decodeTime(row.updated_at),
  };
}

export function toOperator(row: Row): OperatorRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    email: String(row.email),
    name: String(row.name),
    role: String(row.role) as OperatorRole,
    password_hash: String(row.password_hash),
    created_at: decodeTime(row.created_at),
    updated_at: decodeTime(row.updated_at),
  };
}

export function toSession(row: Row): AuthSessionRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    operator_id: String(row.operator_id),
    created_at: decodeTime(row.created_at),
    revoked_at: decodeOptionalTime(row.revoked_at),
    revoked_reason: row.revoked_reason === null ? null : String(row.revoked_reason),
  };
}

export function toRefreshToken(row: Row): RefreshTokenRecord {
  return {
    id: String(row.id),
    session_id: String(row.session_id),
    tenant_id: String(row.tenant_id),
    operator_id: String(row.operator_id),
    token_hash: String(row.token_hash),
    created_at: decodeTime(row.created_at),
    expires_at: decodeTime(row.expires_at),
    rotated_at: decodeOptionalTime(row.rotated_at),
    replaced_by: row.replaced_by === null ? null : String(row.replaced_by),
  };
}

export function toInvitation(row: Row): InvitationRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    email: String(row.email),
    role: String(row.role) as OperatorRole,
    token_hash: String(row.token_hash),
    invited_by: String(row.invited_by),
    created_at: decodeTime(row.created_at),
    expires_at: decodeTime(row.expires_at),
    accepted_at: decodeOptionalTime(row.accepted_at),
  };
}

export function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    name: String(row.name),
    role: String(row.role) as ApiKeyRecord['role'],
    prefix: String(row.prefix),
    key_hash: String(row.key_hash),
    created_by: String(row.created_by),
    created_at: decodeTime(row.created_at),
    revoked_at: decodeOptionalTime(row.revoked_at),
  };
}

/**
 * SHA-256 (hex) of what a visitor sees of a knowledge document: title, link and body. An upsert
 * with the same hash writes nothing; the conformance suite checks both stores against it.
 */
export function contentHash(document: Pick<NewDocument, 'title' | 'url' | 'body'>): string {
  return createHash('sha256')
    .update(`${document.title}\n${document.url ?? ''}\n${document.body}`)
    .digest('hex');
}

export function toDocument(row: Row): DocumentRecord {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    source: String(row.source),
    title: String(row.title),
    url: row.url === null ? null : String(row.url),
    format: String(row.format) as DocumentFormat,
    passage_count: Number(row.passage_count),
    content_hash: String(row.content_hash),
    created_at: decodeTime(row.created_at),
    updated_at: decodeTime(row.updated_at),
  };
}

/** A passage row; PostgreSQL's bigint id arrives as a string, SQLite's as a number: both become strings. */
export function toPassage(row: Row): PassageRecord {
  return {
    id: String(row.id),
    document_id: String(row.document_id),
    ordinal: Number(row.ordinal),
    heading: String(row.heading),
    text: String(row.text),
  };
}

/**
 * The key a passage's vector is stored under (`passage-vectors.ts`): SHA-256 (hex) of the
 * document's title, the passage's heading and its text, UTF-8, joined by newlines. The title is in
 * it because it is in what is embedded. Migration 6 computes the same value in SQL for passages
 * stored before it.
 */
export function passageHash(title: string, heading: string, text: string): string {
  return createHash('sha256').update(`${title}\n${heading}\n${text}`).digest('hex');
}

/** A vector as stored: its float32 values, little-endian, in a byte string. */
export function encodeVector(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < vector.length; index++) view.setFloat32(index * 4, vector[index] ?? 0, true);
  return bytes;
}

/** The vector of a stored byte string (a Buffer from pg, a Uint8Array from node:sqlite). */
export function decodeVector(value: unknown): Float32Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('a stored vector is a byte string');
  const vector = new Float32Array(Math.floor(value.byteLength / 4));
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  for (let index = 0; index < vector.length; index++) vector[index] = view.getFloat32(index * 4, true);
  return vector;
}

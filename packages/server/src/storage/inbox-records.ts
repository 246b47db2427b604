/** What the SQLite and PostgreSQL inbox queries share: the search pattern and row decoding. */
import { PREVIEW_LENGTH } from '@miptech/protocol';
import { decodeTime } from './records.ts';
import type { NoteRecord } from './store.ts';

type Row = Record<string, unknown>;

export { PREVIEW_LENGTH };

/** `%text%` for LIKE/ILIKE with `\` as the escape: a `%` or `_` the operator typed matches itself. */
export const containsPattern = (search: string): string =>
  `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;

export function toNote(row: Row): NoteRecord {
  return {
    id: String(row.id),
    chat_id: String(row.chat_id),
    after_seq: Number(row.after_seq),
    author_id: String(row.author_id),
    author_name: String(row.author_name),
    content: String(row.content),
    created_at: decodeTime(row.created_at),
  };
}

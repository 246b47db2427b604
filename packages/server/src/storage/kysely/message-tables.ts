/**
 * The tables the message stream touches, as Kysely sees them: one description for both dialects.
 * Timestamps and metadata are written as text (ISO 8601, JSON) and read back as the driver gives
 * them (text in SQLite; `Date` and a decoded object from pg), which `toMessage` accepts both ways.
 */
import type { ColumnType } from 'kysely';

/** Written as text; read as whatever the driver returns. */
type TextIn = ColumnType<unknown, string, string>;

export interface ChatsTable {
  id: string;
  tenant_id: string;
  last_seq: number;
  updated_at: TextIn;
}

export interface MessagesTable {
  id: string;
  chat_id: string;
  seq: number;
  role: string;
  content: string;
  metadata: TextIn;
  client_message_id: string | null;
  status: string;
  created_at: TextIn;
  updated_at: TextIn;
}

export interface MessageTables {
  chats: ChatsTable;
  messages: MessagesTable;
}

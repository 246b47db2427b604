/**
 * The operator inbox: chats as the staff list shows them (a summary: the last message, what the
 * visitor has written since the last answer, the page they are on), its query, and internal notes.
 * Served by `GET /api/v1/chats` and pushed over the WebSocket as `inbox_chat` frames (see
 * `realtime.ts` and docs/protocol.md, "The operator inbox").
 */
import { z } from 'zod';
import { Chat, ChatStatus, MessageRole } from './rest.ts';
import { MAX_PAGE_SIZE } from './version.ts';

/** Characters of the last message kept in a summary: a list line, not the message. */
export const PREVIEW_LENGTH = 200;

/** The newest message of a chat that is not a system note, shortened to {@link PREVIEW_LENGTH}. */
export const LastMessage = z.object({
  seq: z.number().int(),
  role: MessageRole,
  content: z.string().describe(`At most ${PREVIEW_LENGTH} characters of the message`),
  created_at: z.string(),
});
export type LastMessage = z.infer<typeof LastMessage>;

/** A chat with what an inbox line shows. */
export const ChatSummary = Chat.extend({
  last_message: LastMessage.nullable().describe('The newest visitor, assistant or operator message'),
  unread_count: z
    .number()
    .int()
    .describe('Visitor messages since the last answer (from the assistant or a person): what is unanswered'),
  current_page: z
    .string()
    .nullable()
    .describe(
      "The page of the visitor's newest message (`metadata.page_url`), else the chat's `context.page_url`",
    ),
  waiting_since: z
    .string()
    .nullable()
    .describe(
      'While the chat is `waiting_for_human`: when the handoff was asked (the time of its status-change message), not its last message; null in any other state',
    ),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

/** `GET /api/v1/chats` query. */
export const StaffChatListQuery = z.object({
  status: z
    .string()
    .max(100)
    .transform((value) => value.split(',').filter(Boolean))
    .pipe(z.array(ChatStatus).min(1))
    .optional()
    .describe('One status, or several separated by commas (`active,waiting_for_human,with_human`)'),
  assigned_to: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Only chats taken over by this operator id; `me` for the caller'),
  q: z
    .string()
    .max(200)
    .optional()
    .describe(
      'Search: chats whose visitor (id, name or email from `identify`), title, page or any message contains this text, case-insensitively',
    ),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z.string().max(200).optional().describe('`next_cursor` of the previous page'),
});
export type StaffChatListQuery = z.infer<typeof StaffChatListQuery>;

/** A page of chat summaries, newest first. */
export const ChatSummaryPage = z.object({
  items: z.array(ChatSummary),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
export type ChatSummaryPage = z.infer<typeof ChatSummaryPage>;

/** Why an `inbox_chat` frame was sent. */
export const InboxChange = z.enum(['created', 'status', 'message']);
export type InboxChange = z.infer<typeof InboxChange>;

/**
 * An internal note: staff write it on a chat for each other. It is not part of the chat's log
 * (it has no `seq` of its own, so the visitor's seqs stay gap-free): it sits after the message
 * `after_seq`, and only staff read it (REST `/chats/{id}/notes`, `chat_note` frames).
 */
export const Note = z.object({
  id: z.string(),
  chat_id: z.string(),
  kind: z.literal('note'),
  /** The seq of the chat's newest message when the note was written: where it sits in the thread. */
  after_seq: z.number().int(),
  author_id: z.string(),
  author_name: z.string(),
  content: z.string(),
  created_at: z.string(),
});
export type Note = z.infer<typeof Note>;

/** `POST /api/v1/chats/{id}/notes`. */
export const NewNoteBody = z.object({
  content: z.string().max(64_000).describe('1 to 4000 characters after trimming'),
});
export type NewNoteBody = z.infer<typeof NewNoteBody>;

/** `GET /api/v1/chats/{id}/notes`: every note of the chat, oldest first. */
export const NoteList = z.object({ items: z.array(Note) });
export type NoteList = z.infer<typeof NoteList>;

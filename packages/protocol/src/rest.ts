/**
 * REST bodies as runtime schemas (zod) and their inferred types. The server validates with them
 * and generates its OpenAPI document from them; clients may use them to validate answers.
 */
import { z } from 'zod';
import { MAX_PAGE_SIZE } from './version.ts';

const opaqueId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** Where the visitor was when the chat started. Unknown keys are kept (up to the size limit). */
export const ChatContext = z
  .looseObject({
    page_url: z.string().max(2048).optional(),
    user_agent: z.string().max(1024).optional(),
    referrer: z.string().max(2048).optional(),
    tenant_id: z.string().max(63).optional(),
  })
  .describe('Where the visitor was when the chat started');
export type ChatContext = z.infer<typeof ChatContext>;

const jsonObject = z.record(z.string(), z.unknown());

/** `POST /api/v1/chat`: start a chat. Every field is optional. */
export const CreateChatBody = z.object({
  session_id: opaqueId.optional().describe('The browser session; generated when absent'),
  visitor_id: opaqueId.optional().describe('The visitor across sessions; generated when absent'),
  title: z.string().max(200).optional().describe('Defaults to "Website Chat"'),
  tenant_id: z.string().max(63).optional().describe('If given, must equal the tenant of the request'),
  context: ChatContext.optional(),
});
export type CreateChatBody = z.infer<typeof CreateChatBody>;

/** The lifecycle state of a chat. */
export const ChatStatus = z.enum(['active', 'waiting_for_human', 'with_human', 'closed']);
export type ChatStatus = z.infer<typeof ChatStatus>;

/** A chat as the API returns it. `id` and `chat_id` are the same value: the seed clients read one each. */
export const Chat = z.object({
  id: z.string(),
  chat_id: z.string(),
  tenant_id: z.string(),
  session_id: z.string(),
  visitor_id: z.string(),
  title: z.string(),
  status: ChatStatus,
  assigned_to: z.string().nullable().describe('The operator who took the chat over, if any'),
  context: jsonObject,
  last_seq: z.number().int().describe('The seq of the newest message; 0 for an empty chat'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Chat = z.infer<typeof Chat>;

/** `POST /api/v1/chat` answer: the chat plus the visitor token that proves it is the caller's. */
export const CreatedChat = Chat.extend({
  visitor_token: z
    .string()
    .describe('Send as "Authorization: Bearer <token>" on every later call about this visitor\'s chats'),
  visitor_token_expires_in: z.number().int().describe('Seconds until the visitor token expires'),
});
export type CreatedChat = z.infer<typeof CreatedChat>;

/** Who wrote a message. Visitors post `user`; the assistant, operators and the system write the rest. */
export const MessageRole = z.enum(['user', 'assistant', 'human', 'system']);
export type MessageRole = z.infer<typeof MessageRole>;

/** `POST /api/v1/chat/{id}/messages`: a visitor's message. */
export const PostMessageBody = z.object({
  // The business limits (non-empty after trimming, at most 4000 characters) have their own error
  // codes, so the schema only guards against absurd sizes.
  content: z.string().max(64_000).describe('1 to 4000 characters after trimming'),
  role: z.string().max(32).optional().describe('Only "user" is accepted from visitors'),
  metadata: jsonObject.optional(),
  client_message_id: opaqueId
    .optional()
    .describe('Idempotency key: resending it returns the stored message instead of storing another'),
});
export type PostMessageBody = z.infer<typeof PostMessageBody>;

/** A stored message. */
export const Message = z.object({
  id: z.string(),
  chat_id: z.string(),
  seq: z.number().int().describe('Position in the chat: 1, 2, 3… with no gaps'),
  role: MessageRole,
  content: z.string(),
  metadata: jsonObject,
  client_message_id: z.string().nullable(),
  status: z
    .enum(['complete', 'streaming', 'stopped', 'interrupted'])
    .describe(
      '`streaming` while an assistant reply is being written; `stopped` or `interrupted` if it ended early',
    ),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Message = z.infer<typeof Message>;

/** `POST /api/v1/chat/{id}/messages` query. */
export const PostMessageQuery = z.object({
  wait: z
    .stringbool()
    .optional()
    .describe(
      'true: answer with the assistant reply once it is written, for clients without a WebSocket (at most 60 s; a reply still being written comes back with status `streaming`)',
    ),
});
export type PostMessageQuery = z.infer<typeof PostMessageQuery>;

/**
 * `POST /api/v1/chat/{id}/messages` answer in full: the stored message; with `wait=true`, the
 * assistant's reply (so `content` is the answer) with the stored visitor message in
 * `user_message`. When the assistant does not answer (a human has the chat), it is the visitor's
 * message itself.
 */
export const PostedMessage = Message.extend({
  user_message: Message.optional().describe('With wait=true: the visitor message that was stored'),
});
export type PostedMessage = z.infer<typeof PostedMessage>;

/**
 * `POST /api/v1/chat/{id}/messages` answer by default (RFC 7240 `return=minimal`): where the
 * message was stored, without its `content` or `metadata`. The client already has the text it
 * sent; a client that wants the stored message back sends `Prefer: return=representation` or a
 * `client_message_id` (an SDK reconciling its outbox). See docs/decisions/010.
 */
export const MessageReceipt = Message.pick({
  id: true,
  chat_id: true,
  seq: true,
  role: true,
  status: true,
  client_message_id: true,
  created_at: true,
  updated_at: true,
});
export type MessageReceipt = z.infer<typeof MessageReceipt>;

/** `GET /api/v1/chat/{id}/messages` query. */
export const ListMessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional()
    .describe('`next_cursor` of the previous page'),
});
export type ListMessagesQuery = z.infer<typeof ListMessagesQuery>;

/** A page of messages, oldest first. */
export const MessagePage = z.object({
  items: z.array(Message),
  total: z.number().int(),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});
export type MessagePage = z.infer<typeof MessagePage>;

/** `GET /api/v1/health`. */
export const Health = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  version: z.string(),
  protocol_version: z.string(),
  ai_services_ready: z.boolean(),
  checks: z.record(z.string(), z.string()),
  tenant: z.string().optional(),
  environment: z.string(),
  uptime_s: z.number(),
  timestamp: z.string(),
});
export type Health = z.infer<typeof Health>;

/**
 * `/api/v1/chat`: a visitor starts a chat, reads it, posts and lists messages.
 *
 * Starting a chat returns a visitor token bound to the tenant and the visitor. In production every
 * later call needs it, and a visitor reaches only their own chats (another's is a 404, as if it did
 * not exist). In development, token-less calls from the seed client still work, and the log says
 * so once per chat.
 */
import {
  Chat,
  CreateChatBody,
  CreatedChat,
  ListMessagesQuery,
  MessagePage,
  MessageReceipt,
  PostedMessage,
  PostMessageBody,
  PostMessageQuery,
} from '@miptech/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReplyRunner } from '../../assistant/reply-runner.ts';
import { visitorIdOf } from '../../auth/access.ts';
import type { TokenService } from '../../auth/tokens.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { Config } from '../../config.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { ChatRecord, MessageSlice } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { assertSameTenant } from '../../tenancy/tenant-id.ts';
import type { Limiters } from '../rate-limits.ts';
import { errorResponses } from '../schemas.ts';

const ChatParams = z.object({
  chat_id: z.string().max(128).describe('The chat id (`id` or `chat_id` of the chat)'),
});

/** The wire form of a chat: `id` and `chat_id` both, because each seed client reads one of them. */
export const toWireChat = (chat: ChatRecord) => ({ ...chat, chat_id: chat.id });

/** The wire form of a page of messages, with the cursor of the next page. */
export function toWirePage(slice: MessageSlice) {
  const last = slice.items.at(-1);
  return { ...slice, next_cursor: slice.has_more && last ? String(last.seq) : null };
}

/** Where a posted message was stored, without the text the client already has. */
const toReceipt = (message: MessageReceipt): MessageReceipt => ({
  id: message.id,
  chat_id: message.chat_id,
  seq: message.seq,
  role: message.role,
  status: message.status,
  client_message_id: message.client_message_id,
  created_at: message.created_at,
  updated_at: message.updated_at,
});

/**
 * Whether the client asked for the stored message back: `Prefer: return=representation`
 * (RFC 7240), or a `client_message_id`, which only a client reconciling its outbox sends.
 */
function wantsRepresentation(request: FastifyRequest, clientMessageId: string | undefined): boolean {
  if (clientMessageId !== undefined) return true;
  const prefer = request.headers.prefer;
  return /(^|[\s,;])return\s*=\s*"?representation"?/i.test(
    Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''),
  );
}

export interface ChatRouteOptions {
  chats: ChatService;
  tokens: TokenService;
  config: Config;
  limiters: Limiters;
  /** Answers visitors; `?wait=true` waits for it. */
  replies: ReplyRunner | undefined;
}

/** Longest a `?wait=true` post waits for the reply. */
const WAIT_FOR_REPLY_MS = 60_000;

/** Remembers which chats were already reported as used without a token, so each is logged once. */
const MAX_REMEMBERED_CHATS = 10_000;

export async function chatRoutes(app: FastifyInstance, options: ChatRouteOptions): Promise<void> {
  const { chats, tokens, config, limiters, replies } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const visitor = { access: { kind: 'visitor' } } as const;
  const reportedChats = new Set<string>();

  /** The visitor's own chat; in development a token-less call reaches any chat of the tenant. */
  async function visitorChat(request: FastifyRequest, chatId: string): Promise<ChatRecord> {
    const visitorId = visitorIdOf(request);
    const chat = await chats.getChat(tenantOf(request).id, chatId, visitorId);
    if (visitorId === undefined) reportTokenless(request, chat.id);
    return chat;
  }

  /** {@link visitorChat}'s check, for a call that needs only to know that the chat is the visitor's. */
  async function assertVisitorChat(request: FastifyRequest, chatId: string): Promise<void> {
    const visitorId = visitorIdOf(request);
    await chats.assertVisitorChat(tenantOf(request).id, chatId, visitorId);
    if (visitorId === undefined) reportTokenless(request, chatId);
  }

  function reportTokenless(request: FastifyRequest, chatId: string): void {
    if (reportedChats.has(chatId)) return;
    if (reportedChats.size >= MAX_REMEMBERED_CHATS) reportedChats.clear();
    reportedChats.add(chatId);
    request.log.warn(
      { chat_id: chatId },
      'visitor call without a visitor token, allowed because MIPTECH_ENV=development; production refuses it',
    );
  }

  api.post(
    '/chat',
    {
      config: { access: { kind: 'visitor', optional: true } },
      onRequest: limiters.chatCreation,
      schema: {
        tags: ['chats'],
        summary: 'Start a chat',
        description:
          'Returns the chat and a `visitor_token`. Send the token as "Authorization: Bearer <token>" on later calls; with it, a new chat belongs to the same visitor. In production mode a `visitor_id` is only honoured with that visitor\'s token; otherwise the server assigns one.',
        body: CreateChatBody.nullish(),
        response: { 200: CreatedChat, ...errorResponses },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const body = request.body ?? {};
      assertSameTenant(tenant.id, body.tenant_id, body.context?.tenant_id);
      const tokenVisitor = visitorIdOf(request);
      if (tokenVisitor !== undefined && body.visitor_id !== undefined && body.visitor_id !== tokenVisitor) {
        throw new ApiError('forbidden', 'visitor_id does not match the visitor token');
      }
      // Without a token, a claimed visitor_id proves nothing: in production it would hand out a
      // token for someone else's chats, so the server assigns a new visitor instead.
      const visitorId = tokenVisitor ?? (config.environment === 'development' ? body.visitor_id : undefined);
      const chat = await chats.createChat(tenant.id, { ...body, visitor_id: visitorId });
      const visitorToken = await tokens.signVisitor({ tenant_id: tenant.id, visitor_id: chat.visitor_id });
      return {
        ...toWireChat(chat),
        visitor_token: visitorToken.token,
        visitor_token_expires_in: visitorToken.expires_in,
      };
    },
  );

  api.get(
    '/chat/:chat_id',
    {
      config: visitor,
      schema: {
        tags: ['chats'],
        summary: 'Read a chat',
        params: ChatParams,
        response: { 200: Chat, ...errorResponses },
      },
    },
    async (request) => toWireChat(await visitorChat(request, request.params.chat_id)),
  );

  api.post(
    '/chat/:chat_id/messages',
    {
      config: visitor,
      onRequest: limiters.messages,
      schema: {
        tags: ['messages'],
        summary: "Post a visitor's message",
        description:
          'Stores the message with the next `seq` of the chat; the assistant answers it (live on the WebSocket, or in this response with `?wait=true`). Resending the same `client_message_id` returns the stored message and stores nothing (header `Idempotent-Replayed: true`).',
        params: ChatParams,
        querystring: PostMessageQuery,
        body: PostMessageBody,
        response: { 200: z.union([PostedMessage, MessageReceipt]), ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      assertSameTenant(tenant.id, request.body.metadata?.tenant_id);
      await assertVisitorChat(request, request.params.chat_id);
      const { message, created } = await chats.postVisitorMessage(
        tenant.id,
        request.params.chat_id,
        request.body,
      );
      if (!created) reply.header('idempotent-replayed', 'true');
      if (request.query.wait) {
        const answer = await replies?.replyTo(tenant.id, message.chat_id, message, WAIT_FOR_REPLY_MS);
        return { ...(answer ?? message), user_message: message };
      }
      if (wantsRepresentation(request, request.body.client_message_id)) {
        reply.header('preference-applied', 'return=representation');
        return message;
      }
      // The seed's useChat appends any answer that has a `content` as the assistant's reply, so
      // echoing the visitor's text here showed it twice (decision 010).
      return toReceipt(message);
    },
  );

  api.get(
    '/chat/:chat_id/messages',
    {
      config: visitor,
      schema: {
        tags: ['messages'],
        summary: 'List messages, oldest first',
        params: ChatParams,
        querystring: ListMessagesQuery,
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) => {
      const chat = await visitorChat(request, request.params.chat_id);
      return toWirePage(await chats.listMessages(chat.tenant_id, chat.id, request.query));
    },
  );
}

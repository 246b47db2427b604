/**
 * `/api/v1/chats`: the tenant's conversations as operators (and API keys) see them, newest first.
 * Visitors use `/api/v1/chat/{id}` for their own chat instead.
 */
import { Chat, ChatListQuery, ChatPage, ListMessagesQuery, MessagePage } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE } from '../../auth/access.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import { ApiError } from '../../errors/api-error.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';
import { toWireChat, toWirePage } from './chats.ts';

const ChatParams = z.object({ chat_id: z.string().max(128) });
const staff = { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } } as const;

/** Cursors are opaque to clients: the last chat's (created_at, id), base64url-encoded. */
const encodeCursor = (chat: { created_at: string; id: string }) =>
  Buffer.from(JSON.stringify([chat.created_at, chat.id])).toString('base64url');

function decodeCursor(cursor: string): { created_at: string; id: string } {
  try {
    const [created_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof created_at === 'string' && typeof id === 'string') return { created_at, id };
  } catch {}
  throw new ApiError(
    'validation_failed',
    'Invalid querystring.cursor: pass the next_cursor of the previous page',
    [{ field: 'querystring.cursor', message: 'is not a cursor this API returned' }],
  );
}

export async function staffChatRoutes(app: FastifyInstance, options: { chats: ChatService }): Promise<void> {
  const { chats } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/chats',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: "List the tenant's chats, newest first",
        querystring: ChatListQuery,
        response: { 200: ChatPage, ...errorResponses },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const slice = await chats.listChats(tenantOf(request).id, {
        limit,
        ...(status ? { status } : {}),
        ...(cursor ? { before: decodeCursor(cursor) } : {}),
      });
      const last = slice.items.at(-1);
      return {
        items: slice.items.map(toWireChat),
        has_more: slice.has_more,
        next_cursor: slice.has_more && last ? encodeCursor(last) : null,
      };
    },
  );

  api.get(
    '/chats/:chat_id',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: 'Read any chat of the tenant',
        params: ChatParams,
        response: { 200: Chat, ...errorResponses },
      },
    },
    async (request) => toWireChat(await chats.getChat(tenantOf(request).id, request.params.chat_id)),
  );

  api.get(
    '/chats/:chat_id/messages',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: 'List the messages of any chat of the tenant',
        params: ChatParams,
        querystring: ListMessagesQuery,
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) =>
      toWirePage(await chats.listMessages(tenantOf(request).id, request.params.chat_id, request.query)),
  );
}

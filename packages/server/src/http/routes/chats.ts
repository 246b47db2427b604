/** `/api/v1/chat`: create and read chats, post and list messages. */
import {
  Chat,
  CreateChatBody,
  ListMessagesQuery,
  Message,
  MessagePage,
  PostMessageBody,
} from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChatService } from '../../chat/chat-service.ts';
import type { ChatRecord } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { assertSameTenant } from '../../tenancy/tenant-id.ts';
import { errorResponses } from '../schemas.ts';

const ChatParams = z.object({
  chat_id: z.string().max(128).describe('The chat id (`id` or `chat_id` of the chat)'),
});

/** The wire form of a chat: `id` and `chat_id` both, because each seed client reads one of them. */
const toWireChat = (chat: ChatRecord) => ({ ...chat, chat_id: chat.id });

export async function chatRoutes(app: FastifyInstance, options: { chats: ChatService }): Promise<void> {
  const { chats } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/chat',
    {
      schema: {
        tags: ['chats'],
        summary: 'Start a chat',
        body: CreateChatBody.nullish(),
        response: { 200: Chat, ...errorResponses },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const body = request.body ?? {};
      assertSameTenant(tenant.id, body.tenant_id, body.context?.tenant_id);
      return toWireChat(await chats.createChat(tenant.id, body));
    },
  );

  api.get(
    '/chat/:chat_id',
    {
      schema: {
        tags: ['chats'],
        summary: 'Read a chat',
        params: ChatParams,
        response: { 200: Chat, ...errorResponses },
      },
    },
    async (request) => toWireChat(await chats.getChat(tenantOf(request).id, request.params.chat_id)),
  );

  api.post(
    '/chat/:chat_id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: "Post a visitor's message",
        description:
          'Stores the message with the next `seq` of the chat. Resending the same `client_message_id` returns the stored message and stores nothing (header `Idempotent-Replayed: true`).',
        params: ChatParams,
        body: PostMessageBody,
        response: { 200: Message, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      assertSameTenant(tenant.id, request.body.metadata?.tenant_id);
      const { message, created } = await chats.postVisitorMessage(
        tenant.id,
        request.params.chat_id,
        request.body,
      );
      if (!created) reply.header('idempotent-replayed', 'true');
      return message;
    },
  );

  api.get(
    '/chat/:chat_id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, oldest first',
        params: ChatParams,
        querystring: ListMessagesQuery,
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) => {
      const slice = await chats.listMessages(tenantOf(request).id, request.params.chat_id, request.query);
      const last = slice.items.at(-1);
      return { ...slice, next_cursor: slice.has_more && last ? String(last.seq) : null };
    },
  );
}

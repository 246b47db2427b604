/**
 * `/api/v1/chats`: the tenant's conversations as operators (and API keys) see them, newest first,
 * as inbox lines (last message, unanswered count, page), filtered and searched; and their
 * internal notes. Visitors use `/api/v1/chat/{id}` for their own chat instead.
 */
import {
  Chat,
  ChatSummaryPage,
  ListMessagesQuery,
  MessagePage,
  NewNoteBody,
  Note,
  NoteList,
  StaffChatListQuery,
} from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE } from '../../auth/access.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { InboxFeed } from '../../chat/inbox-feed.ts';
import type { Notes } from '../../chat/notes.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { NoteRecord } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { toWireSummary } from '../chat-summary.ts';
import { errorResponses } from '../schemas.ts';
import { toWireChat, toWirePage } from './chats.ts';
import { staffOf } from './handoff.ts';

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

const toWireNote = (note: NoteRecord): Note => ({ ...note, kind: 'note' });

export async function staffChatRoutes(
  app: FastifyInstance,
  options: { chats: ChatService; inbox: InboxFeed; notes: Notes },
): Promise<void> {
  const { chats, inbox, notes } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/chats',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: "List the tenant's chats, newest first, as inbox lines",
        description:
          'Filter by `status` (one or several, comma-separated) and `assigned_to` (`me` for the caller); `q` searches the visitor (id, name, email), the title, the page and message content. Each chat comes with its last message, its unanswered visitor messages (`unread_count`) and the page the visitor is on. Live changes arrive over the WebSocket (`inbox_subscribe`).',
        querystring: StaffChatListQuery,
        response: { 200: ChatSummaryPage, ...errorResponses },
      },
    },
    async (request) => {
      const { status, assigned_to, q, limit, cursor } = request.query;
      const tenantId = tenantOf(request).id;
      const search = q?.trim();
      const slice = await chats.listChats(tenantId, {
        limit,
        ...(status ? { status } : {}),
        ...(assigned_to ? { assigned_to: assigned_to === 'me' ? staffOf(request).id : assigned_to } : {}),
        ...(search ? { search } : {}),
        ...(cursor ? { before: decodeCursor(cursor) } : {}),
      });
      const last = slice.items.at(-1);
      return {
        items: (await inbox.lines(tenantId, slice.items)).map(toWireSummary),
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

  api.get(
    '/chats/:chat_id/notes',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: "Read a chat's internal notes",
        description: 'Notes are for staff only: visitors never receive them, over REST or the WebSocket.',
        params: ChatParams,
        response: { 200: NoteList, ...errorResponses },
      },
    },
    async (request) => ({
      items: (await notes.list(tenantOf(request).id, request.params.chat_id)).map(toWireNote),
    }),
  );

  api.post(
    '/chats/:chat_id/notes',
    {
      config: staff,
      schema: {
        tags: ['operators'],
        summary: 'Write an internal note on a chat',
        description:
          "Stored apart from the chat's messages (it takes no seq); staff sockets that joined the chat receive it as a `chat_note` frame. 1 to 4000 characters after trimming.",
        params: ChatParams,
        body: NewNoteBody,
        response: { 200: Note, ...errorResponses },
      },
    },
    async (request) =>
      toWireNote(
        await notes.add(tenantOf(request).id, request.params.chat_id, staffOf(request), request.body.content),
      ),
  );
}

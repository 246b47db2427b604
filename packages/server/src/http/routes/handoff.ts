/**
 * Handoff to a human: a visitor asks for one (`POST /chat/{id}/handoff`, the widget's button);
 * operators and API keys take a chat over, answer as a human, give it back to the assistant, or
 * close or reopen it (`/chats/{id}/takeover|messages|release|close|reopen`). See `chat/handoff.ts` for the states.
 */
import { Chat, Message } from '@miptech/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, visitorIdOf } from '../../auth/access.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { Handoff, Staff } from '../../chat/handoff.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';
import { toWireChat } from './chats.ts';

const ChatParams = z.object({ chat_id: z.string().max(128) });
const HumanReplyBody = z.object({
  content: z
    .string()
    .describe("The operator's answer, shown to the visitor as from a person (at most 4000 characters)"),
});
const staff = { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } } as const;

/** The operator, or the API key of an integration (a help-desk bridge), acting on chats. */
export function staffOf(request: FastifyRequest): Staff {
  const principal = request.principal;
  if (principal.kind === 'operator')
    return { id: principal.operator.id, name: principal.operator.name, role: principal.role };
  if (principal.kind === 'api_key')
    return { id: `api-key:${principal.key.id}`, name: principal.key.name, role: principal.role };
  throw new Error('staffOf() called outside a staff route');
}

export async function handoffRoutes(
  app: FastifyInstance,
  options: { handoff: Handoff; chats: ChatService },
): Promise<void> {
  const { handoff, chats } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/chat/:chat_id/handoff',
    {
      config: { access: { kind: 'visitor' } },
      schema: {
        tags: ['handoff'],
        summary: 'Ask for a human',
        description:
          'The chat becomes `waiting_for_human` and the assistant stays silent until an operator takes it and gives it back. Asking again changes nothing.',
        params: ChatParams,
        response: { 200: Chat, ...errorResponses },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const chat = await chats.getChat(tenant.id, request.params.chat_id, visitorIdOf(request));
      return toWireChat((await handoff.request(tenant.id, chat.id, 'requested')) ?? chat);
    },
  );

  const transitions = [
    [
      'takeover',
      'Take the chat over',
      'The chat becomes `with_human`, assigned to the caller; a reply in progress stops. 409 `chat_assigned` when someone else has it.',
      handoff.takeOver,
    ],
    [
      'release',
      'Give the chat back to the assistant',
      'The chat becomes `active` again; the assistant answers the next message. A chat someone has taken over is released by them, an admin or an owner: others get 403 `chat_assigned_to_other`.',
      handoff.release,
    ],
    [
      'close',
      'Close the chat',
      'A new visitor message reopens it, with the assistant. A chat someone has taken over is closed by them, an admin or an owner: others get 403 `chat_assigned_to_other`.',
      handoff.close,
    ],
    [
      'reopen',
      'Reopen a closed chat',
      'The chat becomes `active` again, with the assistant answering; a chat that is not closed is returned unchanged.',
      handoff.reopenByStaff,
    ],
  ] as const;
  for (const [action, summary, description, change] of transitions) {
    api.post(
      `/chats/:chat_id/${action}`,
      {
        config: staff,
        schema: {
          tags: ['handoff'],
          summary,
          description,
          params: ChatParams,
          response: { 200: Chat, ...errorResponses },
        },
      },
      async (request) =>
        toWireChat(
          await change.call(handoff, tenantOf(request).id, request.params.chat_id, staffOf(request)),
        ),
    );
  }

  api.post(
    '/chats/:chat_id/messages',
    {
      config: staff,
      schema: {
        tags: ['handoff'],
        summary: 'Answer as a human',
        description:
          'Stores the answer with role `human` and the caller as author; takes the chat over first when nobody has it (409 `chat_assigned` when someone else has).',
        params: ChatParams,
        body: HumanReplyBody,
        response: { 200: Message, ...errorResponses },
      },
    },
    async (request) =>
      handoff.reply(tenantOf(request).id, request.params.chat_id, staffOf(request), request.body.content),
  );
}

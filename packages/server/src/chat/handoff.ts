/**
 * Handoff between the assistant and the tenant's people. A chat is `active` (the assistant
 * answers), `waiting_for_human` (handoff asked; the assistant is silent), `with_human` (an
 * operator took it) or `closed`. Every change is a compare-and-set in the store, then a `system`
 * message in the chat's log (so a client that reconnects learns it from the backlog) and a
 * `status` event on the chat's channel (so every open socket learns it at once: `chat_status`).
 */
import type { ChatStatus, OperatorRole } from '@miptech/protocol';
import type { Bus } from '../bus/bus.ts';
import { chatChannel } from '../bus/chat-events.ts';
import { ApiError } from '../errors/api-error.ts';
import type { ChatRecord, Store } from '../storage/store.ts';
import type { ChatService } from './chat-service.ts';

/** Who takes, answers, releases or closes a chat: an operator, or an integration's API key. */
export interface Staff {
  /** `assigned_to` of the chats they take: the operator id, or `api-key:<id>`. */
  id: string;
  /** Shown to the visitor, e.g. "Dana". */
  name: string;
  /** The operator's role, or the role an API key acts with. */
  role: OperatorRole;
}

/**
 * Who may give back or close a chat someone else has taken over: the tenant's owners and admins
 * (and API keys acting as admin). An agent may not: the visitor is in the middle of a
 * conversation with a colleague, who would be cut off without knowing why.
 */
const overridesAssignee = (staff: Staff) => staff.role === 'owner' || staff.role === 'admin';

/** Why the chat now waits for a human. */
export type HandoffReason = 'requested' | 'no_answer' | 'budget';

export class Handoff {
  readonly #store: Store;
  readonly #chats: ChatService;
  readonly #bus: Bus;

  constructor(options: { store: Store; chats: ChatService; bus: Bus }) {
    this.#store = options.store;
    this.#chats = options.chats;
    this.#bus = options.bus;
  }

  /**
   * The assistant (or the visitor) asks for a human; nothing changes unless the chat is `active`.
   * Returns the chat as it is afterwards; undefined when it is not the tenant's.
   */
  async request(tenantId: string, chatId: string, reason: HandoffReason): Promise<ChatRecord | undefined> {
    const result = await this.#store.updateChatStatus(tenantId, chatId, {
      status: 'waiting_for_human',
      from: ['active'],
    });
    if (!result?.changed) return result?.chat;
    return this.#announce(result.chat, 'A member of the team has been asked to join the chat.', {
      event: 'handoff_requested',
      reason,
    });
  }

  /** An operator takes the chat: the assistant stops, including a reply in progress. */
  async takeOver(tenantId: string, chatId: string, staff: Staff): Promise<ChatRecord> {
    const result = await this.#change(tenantId, chatId, {
      status: 'with_human',
      assigned_to: staff.id,
      from: ['active', 'waiting_for_human'],
    });
    if (!result.changed) {
      if (result.chat.status === 'with_human' && result.chat.assigned_to === staff.id) return result.chat;
      if (result.chat.status === 'closed') throw new ApiError('chat_closed');
      // The console shows this detail as it is: a second operator learns who to talk to.
      throw new ApiError('chat_assigned', await this.#assignedDetail(result.chat));
    }
    await this.#bus.publish(chatChannel(tenantId, chatId), { kind: 'stop' });
    return this.#announce(result.chat, `${staff.name} joined the chat.`, {
      event: 'operator_joined',
      operator: staff.name,
    });
  }

  /** An operator answers; taking the chat first if nobody has it. */
  async reply(tenantId: string, chatId: string, staff: Staff, content: string) {
    const chat = await this.takeOver(tenantId, chatId, staff);
    return this.#chats.postStaffMessage(chat.tenant_id, chat.id, {
      role: 'human',
      content,
      metadata: { operator: staff.name, operator_id: staff.id },
    });
  }

  /**
   * The operator gives the chat back to the assistant. Only the operator who has it, an admin or
   * an owner may: others get 403 `chat_assigned_to_other`, naming who has it.
   */
  async release(tenantId: string, chatId: string, staff: Staff): Promise<ChatRecord> {
    const result = await this.#change(tenantId, chatId, {
      status: 'active',
      assigned_to: null,
      from: ['with_human', 'waiting_for_human'],
      ...this.#onlyUnlessHeldByOther(staff),
    });
    if (!result.changed) {
      if (result.chat.status === 'closed') throw new ApiError('chat_closed');
      await this.#refuseIfHeldByOther(result.chat, staff, 'release');
      return result.chat;
    }
    return this.#announce(result.chat, 'The assistant is back to help.', {
      event: 'assistant_resumed',
      operator: staff.name,
    });
  }

  /**
   * Ends the conversation; a new visitor message reopens it (see {@link reopen}). A chat someone
   * has taken over is closed by them, an admin or an owner, as for {@link release}.
   */
  async close(tenantId: string, chatId: string, staff: Staff): Promise<ChatRecord> {
    const result = await this.#change(tenantId, chatId, {
      status: 'closed',
      assigned_to: null,
      ...this.#onlyUnlessHeldByOther(staff),
    });
    if (!result.changed) {
      await this.#refuseIfHeldByOther(result.chat, staff, 'close');
      return result.chat;
    }
    await this.#bus.publish(chatChannel(tenantId, chatId), { kind: 'stop' });
    return this.#announce(result.chat, 'The chat was closed.', {
      event: 'chat_closed',
      operator: staff.name,
    });
  }

  /** A visitor wrote in a closed chat: it is a conversation again, with the assistant. */
  async reopen(tenantId: string, chatId: string): Promise<ChatRecord | undefined> {
    const result = await this.#store.updateChatStatus(tenantId, chatId, {
      status: 'active',
      from: ['closed'],
    });
    if (!result?.changed) return result?.chat;
    return this.#announce(result.chat, 'The chat was reopened.', { event: 'chat_reopened' });
  }

  /**
   * Staff reopen a closed chat: it is a conversation again, with the assistant (taking it over
   * is a separate step). A chat that is not closed is returned as it is.
   */
  async reopenByStaff(tenantId: string, chatId: string, staff: Staff): Promise<ChatRecord> {
    const result = await this.#change(tenantId, chatId, {
      status: 'active',
      assigned_to: null,
      from: ['closed'],
    });
    if (!result.changed) return result.chat;
    return this.#announce(result.chat, `${staff.name} reopened the chat.`, {
      event: 'chat_reopened',
      operator: staff.name,
    });
  }

  /** The store's condition that keeps an agent's change off a chat a colleague holds (one compare-and-set). */
  #onlyUnlessHeldByOther(staff: Staff) {
    return overridesAssignee(staff) ? {} : { unlessAssignedToOtherThan: staff.id };
  }

  async #refuseIfHeldByOther(chat: ChatRecord, staff: Staff, action: 'release' | 'close'): Promise<void> {
    if (!chat.assigned_to || chat.assigned_to === staff.id || overridesAssignee(staff)) return;
    const holder = await this.#holderName(chat.tenant_id, chat.assigned_to);
    throw new ApiError(
      'chat_assigned_to_other',
      `${holder} has taken this chat over; only they, an admin or an owner may ${action} it`,
    );
  }

  /** `409 chat_assigned`'s detail: "Anna has this chat", by the holder's display name. */
  async #assignedDetail(chat: ChatRecord): Promise<string | undefined> {
    if (!chat.assigned_to) return undefined;
    if (chat.assigned_to.startsWith('api-key:')) return 'An integration has this chat';
    const operator = await this.#store.getOperator(chat.tenant_id, chat.assigned_to);
    return operator ? `${operator.name} has this chat` : undefined;
  }

  /** How a refusal names who has the chat: the operator's name and id, or the API key's id. */
  async #holderName(tenantId: string, assignedTo: string): Promise<string> {
    if (assignedTo.startsWith('api-key:')) return `An integration (${assignedTo})`;
    const operator = await this.#store.getOperator(tenantId, assignedTo);
    return operator ? `${operator.name} (operator ${operator.id})` : `Operator ${assignedTo}`;
  }

  async #change(tenantId: string, chatId: string, change: Parameters<Store['updateChatStatus']>[2]) {
    const result = await this.#store.updateChatStatus(tenantId, chatId, change);
    if (!result) throw new ApiError('chat_not_found');
    return result;
  }

  async #announce(chat: ChatRecord, content: string, metadata: Record<string, unknown>) {
    const status: ChatStatus = chat.status;
    const note = await this.#chats.postStaffMessage(chat.tenant_id, chat.id, {
      role: 'system',
      content,
      metadata: { ...metadata, status },
    });
    await this.#bus.publish(chatChannel(chat.tenant_id, chat.id), { kind: 'status', status, seq: note.seq });
    return { ...chat, last_seq: note.seq };
  }
}

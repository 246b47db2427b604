/**
 * Internal notes: what staff write on a chat for each other ("VIP customer", "called back"). They
 * are stored apart from the chat's log, so they never reach a visitor's REST history or socket,
 * and the visitor's seqs stay gap-free; staff sockets that joined the chat get them live.
 */
import { MAX_MESSAGE_LENGTH } from '@miptech/protocol';
import type { Bus } from '../bus/bus.ts';
import { chatChannel } from '../bus/chat-events.ts';
import { ApiError } from '../errors/api-error.ts';
import type { NoteRecord, Store } from '../storage/store.ts';
import type { Staff } from './handoff.ts';

export class Notes {
  readonly #store: Store;
  readonly #bus: Bus;

  constructor(options: { store: Store; bus: Bus }) {
    this.#store = options.store;
    this.#bus = options.bus;
  }

  /** Writes a note after the chat's newest message; the same length rules as messages. */
  async add(tenantId: string, chatId: string, staff: Staff, text: string): Promise<NoteRecord> {
    const content = text.trim();
    if (content.length === 0) throw new ApiError('message_empty', 'The note is empty');
    if (content.length > MAX_MESSAGE_LENGTH) {
      throw new ApiError(
        'message_too_long',
        `The note is ${content.length} characters; the limit is ${MAX_MESSAGE_LENGTH}`,
      );
    }
    const note = await this.#store.addNote({
      tenant_id: tenantId,
      chat_id: chatId,
      author_id: staff.id,
      author_name: staff.name,
      content,
    });
    if (!note) throw new ApiError('chat_not_found');
    await this.#bus.publish(chatChannel(tenantId, chatId), { kind: 'note', note });
    return note;
  }

  async list(tenantId: string, chatId: string): Promise<NoteRecord[]> {
    const notes = await this.#store.listNotes(tenantId, chatId);
    if (!notes) throw new ApiError('chat_not_found');
    return notes;
  }
}

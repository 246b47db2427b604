/** A stored chat message for tests of responders and prompts: complete, in chat `chat-1`. */
import type { MessageRecord } from '../storage/store.ts';

let lastSeq = 0;

/** The message, numbered `seq` or else one past the previous one made here. */
export function messageRecord(role: MessageRecord['role'], content: string, seq = ++lastSeq): MessageRecord {
  const now = new Date().toISOString();
  return {
    id: `m${seq}`,
    chat_id: 'chat-1',
    seq,
    role,
    content,
    metadata: {},
    client_message_id: null,
    status: 'complete',
    created_at: now,
    updated_at: now,
  };
}

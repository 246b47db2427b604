/**
 * One chat as an operator follows it: the chat (status, assignee, context) from the API, and its
 * messages over the console's socket, joined with `stream: true` so the assistant's reply is seen
 * while it is written. The `ChatLog` of @miptech/client applies the frames (exactly once, resume
 * from the last complete seq). Internal notes come from `/notes` and live `chat_note` frames; they
 * are not in the log (no seq of their own), so they are kept beside it.
 */
import { ChatLog, type ChatMessage } from '@miptech/client';
import type { Chat, Message, Note, NoteList, Viewer } from '@miptech/protocol';
import { TYPING_SHOWN_MS } from '@miptech/protocol/constants';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session/session-context.ts';

export type ConversationAction = 'takeover' | 'release' | 'close' | 'reopen';

/** Adds a note once (the REST answer and the socket's frame bring the same note). */
const withNote = (notes: Note[], note: Note) =>
  notes.some((held) => held.id === note.id) ? notes : [...notes, note];

export interface Conversation {
  chat: Chat | undefined;
  messages: ChatMessage[];
  /** The visitor is typing now (relayed `typing` frames; it fades if the stop is lost). */
  visitorTyping: boolean;
  /** The operators viewing the chat now, this one included (`presence` frames). */
  viewers: Viewer[];
  /** Internal notes, oldest first. */
  notes: Note[];
  error: string | undefined;
  /** Calls an action route; the answer is the chat afterwards. */
  act(action: ConversationAction): Promise<void>;
  reply(content: string): Promise<void>;
  /** Writes an internal note (staff only). */
  addNote(content: string): Promise<void>;
  clearError(): void;
}

export function useConversation(chatId: string): Conversation {
  const { auth, realtime } = useSession();
  const [chat, setChat] = useState<Chat | undefined>();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [visitorTyping, setVisitorTyping] = useState(false);
  const [viewers, setViewers] = useState<Viewer[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [error, setError] = useState<string | undefined>();
  const logRef = useRef<ChatLog | undefined>(undefined);
  const path = `/chats/${encodeURIComponent(chatId)}`;

  const reload = useCallback(() => {
    auth
      .request<Chat>(path)
      .then(setChat)
      .catch((caught: unknown) => setError(messageOf(caught)));
  }, [auth, path]);

  useEffect(() => {
    const log = new ChatLog(chatId);
    logRef.current = log;
    setMessages([]);
    setNotes([]);
    setViewers([]);
    setVisitorTyping(false);
    reload();
    auth
      .request<NoteList>(`/chats/${encodeURIComponent(chatId)}/notes`)
      .then((list) => setNotes((held) => list.items.reduce(withNote, held)))
      .catch((caught: unknown) => setError(messageOf(caught)));
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const joined = { sinceSeq: () => log.resumePoint, stream: true };
    const off = realtime.on('frame', (frame) => {
      if (!('chat_id' in frame) || frame.chat_id !== chatId) return;
      if (frame.type === 'chat_status') reload();
      if (frame.type === 'chat_note') setNotes((held) => withNote(held, frame.note));
      if (frame.type === 'error') setError(frame.detail);
      // A (re)join starts afresh: the server sends the viewers again if there are any.
      if (frame.type === 'joined') setViewers([]);
      if (frame.type === 'presence') setViewers(frame.viewers);
      if (frame.type === 'typing' && frame.role === 'visitor') {
        clearTimeout(typingTimer);
        setVisitorTyping(frame.is_typing);
        if (frame.is_typing) typingTimer = setTimeout(() => setVisitorTyping(false), TYPING_SHOWN_MS);
      }
      // A hole in the seqs means frames were lost: join again from what is held complete.
      if (log.apply(frame) === 'gap') realtime.join(chatId, joined);
      setMessages(log.messages);
    });
    realtime.join(chatId, joined);
    // Colleagues on this chat see "<name> is viewing"; leaving the chat ends it.
    realtime.view(chatId, true);
    return () => {
      off();
      clearTimeout(typingTimer);
      realtime.leave(chatId);
    };
  }, [chatId, realtime, reload, auth]);

  const act = useCallback(
    async (action: ConversationAction) => {
      setError(undefined);
      try {
        setChat(await auth.request<Chat>(`${path}/${action}`, { method: 'POST', body: {} }));
      } catch (caught) {
        setError(messageOf(caught));
        reload();
      }
    },
    [auth, path, reload],
  );

  const reply = useCallback(
    async (content: string) => {
      setError(undefined);
      try {
        const message = await auth.request<Message>(`${path}/messages`, {
          method: 'POST',
          body: { content },
        });
        // Shown at once; the socket's copy of the same seq is then ignored.
        logRef.current?.confirm(message);
        if (logRef.current) setMessages(logRef.current.messages);
        reload();
      } catch (caught) {
        setError(messageOf(caught));
        throw caught;
      }
    },
    [auth, path, reload],
  );

  const addNote = useCallback(
    async (content: string) => {
      setError(undefined);
      try {
        const note = await auth.request<Note>(`${path}/notes`, { method: 'POST', body: { content } });
        setNotes((held) => withNote(held, note));
      } catch (caught) {
        setError(messageOf(caught));
        throw caught;
      }
    },
    [auth, path],
  );

  return {
    chat,
    messages,
    notes,
    visitorTyping,
    viewers,
    error,
    act,
    reply,
    addNote,
    clearError: () => setError(undefined),
  };
}

const messageOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

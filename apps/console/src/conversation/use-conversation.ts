/**
 * One chat as an operator follows it: the chat (status, assignee, context) from the API, and its
 * messages over the console's socket, joined with `stream: true` so the assistant's reply is seen
 * while it is written. The `ChatLog` of @miptech/client applies the frames (exactly once, resume
 * from the last complete seq).
 */
import { ChatLog, type ChatMessage } from '@miptech/client';
import type { Chat, Message } from '@miptech/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from '../session/session-context.ts';

const TYPING_SHOWN_MS = 6000;

export interface Conversation {
  chat: Chat | undefined;
  messages: ChatMessage[];
  /** The visitor is typing now (relayed `typing` frames). */
  visitorTyping: boolean;
  error: string | undefined;
  /** Calls an action route (`takeover`, `release`, `close`); the answer is the chat afterwards. */
  act(action: 'takeover' | 'release' | 'close'): Promise<void>;
  reply(content: string): Promise<void>;
  clearError(): void;
}

export function useConversation(chatId: string, onChanged: () => void): Conversation {
  const { auth, realtime } = useSession();
  const [chat, setChat] = useState<Chat | undefined>();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [visitorTyping, setVisitorTyping] = useState(false);
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
    reload();
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const joined = { sinceSeq: () => log.resumePoint, stream: true };
    const off = realtime.on('frame', (frame) => {
      if (!('chat_id' in frame) || frame.chat_id !== chatId) return;
      if (frame.type === 'chat_status') reload();
      if (frame.type === 'error') setError(frame.detail);
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
    return () => {
      off();
      clearTimeout(typingTimer);
      realtime.leave(chatId);
    };
  }, [chatId, realtime, reload]);

  const act = useCallback(
    async (action: 'takeover' | 'release' | 'close') => {
      setError(undefined);
      try {
        setChat(await auth.request<Chat>(`${path}/${action}`, { method: 'POST', body: {} }));
        onChanged();
      } catch (caught) {
        setError(messageOf(caught));
        reload();
      }
    },
    [auth, path, onChanged, reload],
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
        onChanged();
      } catch (caught) {
        setError(messageOf(caught));
        throw caught;
      }
    },
    [auth, path, onChanged, reload],
  );

  return { chat, messages, visitorTyping, error, act, reply, clearError: () => setError(undefined) };
}

const messageOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

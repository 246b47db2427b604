/** The controller a {@link ChatProvider} shares with the `useChat()` calls below it. */
import type { ChatController } from '@miptech/client';
import { createContext } from 'react';

export const ChatContext = createContext<ChatController | null>(null);

/**
 * One conversation for several components: a header showing the connection, a message list and
 * an input can each call `useChat()` and share one controller, one socket and one chat.
 */
import { ChatController, type ChatControllerOptions } from '@miptech/client';
import type { ReactNode } from 'react';
import { ChatContext } from './chat-context.ts';
import { useControllerLifecycle } from './lifecycle.ts';
import { useOnce } from './use-once.ts';

export type ChatProviderProps = (
  | ({ controller?: undefined } & ChatControllerOptions)
  | { controller: ChatController }
) & {
  /** Calls `initialize()` on mount; default true. */
  autoInitialize?: boolean;
  children?: ReactNode;
};

/**
 * Shares one {@link ChatController} with every `useChat()` below it. Given options, it creates the
 * controller once (later option changes are ignored: remount with a `key` to change platform) and
 * closes it when it unmounts for good; given a `controller`, its owner closes it.
 *
 * @example
 * <ChatProvider baseUrl="http://localhost:8000" tenantId="miptech-company">
 *   <ChatHeader />
 *   <ChatMessages />
 * </ChatProvider>
 */
export function ChatProvider(props: ChatProviderProps): ReactNode {
  // Created lazily, once: the options object is new at every render, the controller must not be.
  const owned = useOnce(() => (props.controller ? null : new ChatController(props)));
  const controller = props.controller ?? owned;
  if (!controller) throw new Error('ChatProvider: pass either platform options or a controller');
  useControllerLifecycle(controller, {
    owned: controller === owned,
    autoInitialize: props.autoInitialize ?? true,
  });
  return <ChatContext.Provider value={controller}>{props.children}</ChatContext.Provider>;
}

/**
 * `useChat()`: a {@link ChatController} bound to React with `useSyncExternalStore`, one
 * subscription per slice, returning everything the integration guide's (the seed's) hook returned
 * plus the streaming state. React renders only what changed, nothing calls setState (so an
 * unmounted component is never updated), and the controller is created once per component.
 */
import {
  ChatController,
  type ChatControllerOptions,
  type ChatMessage,
  type ChatStatus,
  type HandoffState,
  MIPTechError,
  type SessionData,
} from '@miptech/client';
import { useCallback, useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { type Activity, activityOf, startInitialize } from './activity.ts';
import { ChatContext } from './chat-context.ts';
import { type ConnectionStatus, connectionStatusOf } from './connection-status.ts';
import { useControllerLifecycle } from './lifecycle.ts';
import { type ApiTestResult, testApi } from './probes.ts';
import { useOnce } from './use-once.ts';
import { useSlice } from './use-slice.ts';

export interface UseChatCallbacks {
  /** Called with each new error (kept in a ref: a new function at each render is fine). */
  onError?: (error: MIPTechError) => void;
  /** Called when an assistant reply finishes (complete, stopped or failed). */
  onFinish?: (message: ChatMessage) => void;
}

export type UseChatOptions = (
  | ChatControllerOptions
  | {
      /** A controller made elsewhere (its maker closes it); default: the {@link ChatProvider}'s. */
      controller?: ChatController;
    }
) &
  UseChatCallbacks & {
    /**
     * Calls `initialize()` on mount. Default: true, except for the provider's controller (the
     * provider initializes it).
     */
    autoInitialize?: boolean;
  };

/** The seed's `currentChat`: the chat's id and who answers it. */
export interface CurrentChat {
  id: string;
  status: HandoffState;
}

export interface UseChatResult {
  // The seed's connection state.
  /** The socket is open. */
  isConnected: boolean;
  /** The seed's status strings; see `connection-status.ts` for the mapping. */
  connectionStatus: ConnectionStatus;
  isInitialized: boolean;

  // The seed's chat data.
  currentChat: CurrentChat | null;
  /** Stored messages in order, then the visitor's not stored yet (`sending` or `error`). */
  messages: readonly ChatMessage[];
  /** Initializing, or a sent message awaits its reply. */
  isLoading: boolean;
  /** The last error's message, or null (the seed's `error`). */
  error: string | null;
  /** The last error itself: its `code`, `type`, `retryable`. */
  errorDetail: MIPTechError | null;

  // The seed's actions.
  /** Resumes the session's chat or starts one, and connects. Idempotent. */
  initializeChat: () => Promise<CurrentChat | null>;
  /** Shows the message at once; on failure it is marked `error` (and `error` is set) for `retryMessage`. */
  sendMessage: (content: string) => Promise<void>;
  /** Sends a failed message again, with its same idempotency key: by `id` or `client_message_id`. */
  retryMessage: (messageId: string) => Promise<void>;
  /** Starts a new conversation (the old one stays on the server). */
  clearMessages: () => Promise<void>;
  /** Closes the socket; `initializeChat()` opens it again. */
  disconnect: () => void;
  /** `GET /api/v1/health`, in the seed's result shape; never throws. */
  testConnection: () => Promise<ApiTestResult>;

  // The seed's utilities.
  sessionData: SessionData;
  messageCount: number;
  lastMessage: ChatMessage | undefined;
  hasErrors: boolean;
  /** As in the seed: connected, with a chat, and not waiting. */
  canSendMessage: boolean;

  // Beyond the seed.
  /** `submitted` (waiting for the reply), `streaming`, `ready` or `error`. */
  status: ChatStatus;
  /** The assistant reply being written, or null. */
  streamingMessage: ChatMessage | null;
  /** Stops the reply on the server; false when the socket is not open. */
  stop: () => boolean;
  /** Asks for a person; `chatStatus` becomes `waiting_for_human`. */
  requestHuman: () => Promise<void>;
  /** Who answers: `active` (the assistant), `waiting_for_human`, `human_active`, `closed`. */
  chatStatus: HandoffState;
  /** The controller, for what the hook does not cover. */
  controller: ChatController;
}

/**
 * The visitor's conversation. Pass platform options (this component then owns a controller), a
 * controller, or nothing inside a {@link ChatProvider}. Safe under StrictMode: one controller,
 * one socket, one chat.
 *
 * @example
 * function Chat() {
 *   const { messages, sendMessage, streamingMessage, canSendMessage } = useChat({
 *     baseUrl: 'http://localhost:8000',
 *     tenantId: 'miptech-company',
 *   });
 *   return <Messages items={messages} typing={streamingMessage !== null} onSend={sendMessage} />;
 * }
 */
export function useChat(source?: UseChatOptions | ChatController): UseChatResult {
  const shared = useContext(ChatContext);
  const options: UseChatOptions = source instanceof ChatController ? { controller: source } : (source ?? {});
  // Created at the first render and kept: options are a new object at every render, and changing
  // them later has no effect (remount with a `key` to change platform).
  const owned = useOnce(() => ('baseUrl' in options ? new ChatController(options) : null));
  const given = 'controller' in options ? options.controller : undefined;
  const controller = owned ?? given ?? shared;
  if (!controller) {
    throw new MIPTechError(
      'useChat() needs platform options ({ baseUrl, tenantId }), a controller, or a <ChatProvider> above it',
      { code: 'no_controller', type: 'validation' },
    );
  }
  const fromProvider = owned === null && given === undefined;
  useControllerLifecycle(controller, {
    owned: owned !== null,
    autoInitialize: options.autoInitialize ?? !fromProvider,
  });
  useCallbacks(controller, options);

  const messages = useSlice(controller, 'messages');
  const status = useSlice(controller, 'status');
  const connection = useSlice(controller, 'connection');
  const errorDetail = useSlice(controller, 'error');
  const chat = useSlice(controller, 'chat');
  const isInitialized = useSlice(controller, 'initialized');
  const initializing = useActivity(controller, 'initializing');
  const apiTest = useActivity(controller, 'apiTest');

  const actions = useActions(controller);
  const currentChat = useMemo(() => (chat.id ? { id: chat.id, status: chat.state } : null), [chat]);
  const streamingMessage = useMemo(
    () => messages.find((message) => message.status === 'streaming') ?? null,
    [messages],
  );

  const isConnected = connection === 'open';
  const isLoading = initializing || status === 'submitted';
  return {
    isConnected,
    connectionStatus: connectionStatusOf({
      connection,
      initializing,
      initialized: isInitialized,
      chatId: chat.id,
      error: errorDetail,
      apiTest,
    }),
    isInitialized,
    currentChat,
    messages,
    isLoading,
    error: errorDetail?.message ?? null,
    errorDetail,
    ...actions,
    // Read at each render: the session changes only with the chat or its messages, which re-render.
    sessionData: controller.session.get(),
    messageCount: messages.length,
    lastMessage: messages.at(-1),
    hasErrors: errorDetail !== null,
    canSendMessage: isConnected && currentChat !== null && !isLoading,
    status,
    streamingMessage,
    chatStatus: chat.state,
    controller,
  };
}

function useActivity<K extends keyof Activity>(controller: ChatController, slice: K): Activity[K] {
  const store = activityOf(controller);
  const subscribe = useCallback((listener: () => void) => store.subscribe(slice, listener), [store, slice]);
  const snapshot = useCallback(() => store.get(slice), [store, slice]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

type Actions = Pick<
  UseChatResult,
  | 'initializeChat'
  | 'sendMessage'
  | 'retryMessage'
  | 'clearMessages'
  | 'disconnect'
  | 'testConnection'
  | 'stop'
  | 'requestHuman'
>;

/** Stable functions (one set per controller), so children given them do not re-render. */
function useActions(controller: ChatController): Actions {
  return useMemo(
    () => ({
      initializeChat: async () => {
        await startInitialize(controller);
        const chat = controller.get('chat');
        return chat.id ? { id: chat.id, status: chat.state } : null;
      },
      sendMessage: (content) => controller.send(content),
      retryMessage: (messageId) => {
        // The seed retried by message id; the controller by client_message_id. Either works here.
        const message = controller.get('messages').find((item) => item.id === messageId);
        return controller.retry(message?.client_message_id ?? messageId);
      },
      clearMessages: () => controller.clear(),
      disconnect: () => controller.disconnect(),
      testConnection: async () => {
        const activity = activityOf(controller);
        activity.set({ apiTest: 'testing' });
        const result = await testApi(controller.api);
        activity.set({ apiTest: result.connected ? 'connected' : 'failed' });
        return result;
      },
      stop: () => controller.stop(),
      requestHuman: () => controller.requestHuman(),
    }),
    [controller],
  );
}

/**
 * Calls the latest `onError` / `onFinish`. Held in refs so that a new function at each render
 * neither re-subscribes nor (since the controller is made once) makes a new controller.
 */
function useCallbacks(controller: ChatController, callbacks: UseChatCallbacks): void {
  const latest = useRef(callbacks);
  useEffect(() => {
    latest.current = callbacks;
  });
  useEffect(() => {
    const offError = controller.subscribe('error', () => {
      const error = controller.get('error');
      if (error) latest.current.onError?.(error);
    });
    // Replies streaming when last seen: one that no longer streams has finished.
    let streaming = new Set(streamingIds(controller.get('messages')));
    const offMessages = controller.subscribe('messages', () => {
      const messages = controller.get('messages');
      for (const message of messages) {
        if (streaming.has(message.id) && message.status !== 'streaming') latest.current.onFinish?.(message);
      }
      streaming = new Set(streamingIds(messages));
    });
    return () => {
      offError();
      offMessages();
    };
  }, [controller]);
}

function streamingIds(messages: readonly ChatMessage[]): string[] {
  return messages.filter((message) => message.status === 'streaming').map((message) => message.id);
}

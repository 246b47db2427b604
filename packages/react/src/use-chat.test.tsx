// @vitest-environment happy-dom
/**
 * useChat against a real platform over real sockets, in happy-dom: StrictMode's double mount,
 * unmounting mid-reply, retrying a failed send, the seed's return shape, and a shared provider.
 */
import type { ChatController, ChatMessage } from '@miptech/client';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { type ReactNode, StrictMode, useEffect } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScriptedResponder } from '../../server/src/assistant/scripted-responder.ts';
import { ChatProvider } from './chat-provider.tsx';
import {
  chatCountingFetch,
  controllerOptions,
  failingOnceFetch,
  type ReactTestPlatform,
  sleep,
  startReactPlatform,
  until,
} from './testing.ts';
import { type UseChatOptions, type UseChatResult, useChat } from './use-chat.ts';

interface ProbeProps {
  /** What useChat is given; nothing: the provider's controller. */
  source?: UseChatOptions;
  /** Sees each render's result. */
  onRender?: (chat: UseChatResult) => void;
  /** What to render from it. */
  show?: (chat: UseChatResult) => ReactNode;
  /** Calls initializeChat() from an effect, as the seed's app did (StrictMode runs it twice). */
  initializeFromEffect?: boolean;
}

function Probe({ source, onRender, show, initializeFromEffect = false }: ProbeProps): ReactNode {
  const chat = useChat(source);
  onRender?.(chat);
  const { initializeChat } = chat;
  useEffect(() => {
    if (initializeFromEffect) void initializeChat();
  }, [initializeFromEffect, initializeChat]);
  return show ? show(chat) : null;
}

/** Send and Retry buttons, the messages, and the error: what a visitor sees in the retry test. */
function retryView(chat: UseChatResult): ReactNode {
  const failed = chat.messages.find((message) => message.status === 'error');
  return (
    <div>
      <button type="button" onClick={() => void chat.sendMessage('hello there').catch(() => {})}>
        Send
      </button>
      {failed ? (
        <button type="button" onClick={() => void chat.retryMessage(failed.id)}>
          Retry
        </button>
      ) : null}
      <ul>
        {chat.messages.map((message) => (
          <li key={message.id}>{`${message.role} ${message.status}: ${message.content}`}</li>
        ))}
      </ul>
      <p role="alert">{chat.error}</p>
    </div>
  );
}

describe('useChat against a real platform', () => {
  let platform: ReactTestPlatform;

  beforeAll(async () => {
    platform = await startReactPlatform();
  });
  afterEach(async () => {
    cleanup();
    // Owners close a tick after unmounting; every test leaves the server without sockets.
    await until('no sockets left open', () => platform.openSockets() === 0);
  });
  afterAll(() => platform?.close());

  it('opens one socket and creates one chat under StrictMode, and closes the socket on unmount', async () => {
    const counting = chatCountingFetch();
    let sessionReads = 0;
    const options = controllerOptions(platform, { fetch: counting.fetch });
    const session = options.session;
    // The controller reads `session` once, in its constructor: this counts controllers made.
    Object.defineProperty(options, 'session', {
      get: () => {
        sessionReads += 1;
        return session;
      },
    });
    const controllers = new Set<ChatController>();
    const handshakes = platform.handshakes();
    const view = render(
      <StrictMode>
        <Probe
          source={options}
          initializeFromEffect
          onRender={(chat) => controllers.add(chat.controller)}
          show={(chat) => <p>{chat.connectionStatus}</p>}
        />
      </StrictMode>,
    );
    await screen.findByText('fully_connected');
    // Time for a second socket or chat to show up, were one on its way.
    await sleep(300);
    expect(platform.handshakes() - handshakes).toBe(1);
    expect(platform.openSockets()).toBe(1);
    expect(counting.chatsCreated()).toBe(1);
    expect(controllers.size).toBe(1);
    expect(sessionReads).toBe(1);

    view.unmount();
    await until('the socket closed', () => platform.openSockets() === 0);
    expect([...controllers][0]?.get('connection')).toBe('closed');
  });

  it('unmounts during a stream without a React warning and without leaving the socket open', async () => {
    const slow = await startReactPlatform({ app: { responder: new ScriptedResponder({ delayMs: 150 }) } });
    const errors = vi.spyOn(console, 'error');
    try {
      let renders = 0;
      let latest: UseChatResult | undefined;
      const view = render(
        <StrictMode>
          <Probe
            source={controllerOptions(slow)}
            onRender={(chat) => {
              renders += 1;
              latest = chat;
            }}
            show={(chat) => (
              <p>{chat.streamingMessage ? `writing: ${chat.streamingMessage.content}` : chat.status}</p>
            )}
          />
        </StrictMode>,
      );
      await screen.findByText('ready');
      await until('the socket open', () => latest?.isConnected === true);
      await act(() => latest?.sendMessage('one two three four five six seven eight nine ten'));
      await screen.findByText(/^writing: /);
      const controller = latest?.controller;
      expect(controller?.get('status')).toBe('streaming');

      view.unmount();
      const rendersAtUnmount = renders;
      await until('the socket closed on the server', () => slow.openSockets() === 0);
      expect(controller?.get('connection')).toBe('closed');
      // The reply would have gone on for more than a second: nothing reaches the unmounted tree.
      await sleep(600);
      expect(renders).toBe(rendersAtUnmount);
      expect(slow.openSockets()).toBe(0);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      await slow.close();
    }
  });

  it('retries a failed send with retryMessage, and the server stores it once', async () => {
    const network = failingOnceFetch();
    let latest: UseChatResult | undefined;
    render(
      <Probe
        source={controllerOptions(platform, { fetch: network.fetch })}
        onRender={(chat) => {
          latest = chat;
        }}
        show={retryView}
      />,
    );
    await until('connected', () => latest?.isConnected === true);
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText('user error: hello there');
    expect(network.failures()).toBe(1);
    expect(latest?.hasErrors).toBe(true);
    expect(latest?.error).toMatch(/Could not reach/);
    expect(latest?.status).toBe('error');

    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByText('assistant complete: You said: hello there');
    expect(screen.getByText('user complete: hello there')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    const chatId = String(latest?.currentChat?.id);
    const stored = await platform.app.inject({
      url: `/api/v1/chat/${chatId}/messages`,
      headers: { 'x-tenant-id': 'miptech-company' },
    });
    expect(stored.json().items.map((message: { role: string; content: string }) => message.content)).toEqual([
      'hello there',
      'You said: hello there',
    ]);
  });

  it("returns every key of the seed's hook with the seed's types, and the streaming state", async () => {
    let latest: UseChatResult | undefined;
    const statuses = new Set<string>();
    const finished: string[] = [];
    const options = controllerOptions(platform);
    const probe = (onFinish: (message: ChatMessage) => void) => (
      <Probe
        source={{ ...options, onFinish }}
        onRender={(chat) => {
          latest = chat;
          statuses.add(chat.status);
        }}
      />
    );
    const view = render(probe((message) => finished.push(message.content)));
    await until('connected', () => latest?.connectionStatus === 'fully_connected');
    const chat = latest as UseChatResult;
    const seedKeys = {
      isConnected: 'boolean',
      connectionStatus: 'string',
      isInitialized: 'boolean',
      currentChat: 'object',
      messages: 'object',
      isLoading: 'boolean',
      error: 'object', // null: the seed's `error` is a string or null
      initializeChat: 'function',
      sendMessage: 'function',
      retryMessage: 'function',
      clearMessages: 'function',
      disconnect: 'function',
      testConnection: 'function',
      sessionData: 'object',
      messageCount: 'number',
      lastMessage: 'undefined', // no message yet
      hasErrors: 'boolean',
      canSendMessage: 'boolean',
    } as const;
    for (const [key, type] of Object.entries(seedKeys)) {
      expect(key in chat, key).toBe(true);
      expect(typeof chat[key as keyof UseChatResult], key).toBe(type);
    }
    expect(chat).toMatchObject({
      isConnected: true,
      connectionStatus: 'fully_connected',
      isInitialized: true,
      currentChat: { id: expect.any(String), status: 'active' },
      messages: [],
      isLoading: false,
      error: null,
      errorDetail: null,
      messageCount: 0,
      hasErrors: false,
      canSendMessage: true,
      status: 'ready',
      streamingMessage: null,
      chatStatus: 'active',
      sessionData: { sessionId: expect.stringMatching(/^session_/), chatId: chat.currentChat?.id },
    });
    for (const key of ['stop', 'requestHuman'] as const) expect(typeof chat[key]).toBe('function');
    await expect(chat.testConnection()).resolves.toMatchObject({
      connected: true,
      endpoint: '/api/v1/health',
      status: 200,
      data: { status: 'healthy' },
    });

    await act(() => chat.sendMessage('alpha beta gamma delta'));
    await until('the reply', () => latest?.lastMessage?.status === 'complete' && latest.status === 'ready');
    expect(latest?.messageCount).toBe(2);
    expect(latest?.lastMessage).toMatchObject({
      role: 'assistant',
      content: 'You said: alpha beta gamma delta',
    });
    expect([...statuses]).toEqual(expect.arrayContaining(['ready', 'submitted', 'streaming']));
    expect(finished).toEqual(['You said: alpha beta gamma delta']);
    expect(latest?.controller).toBe(chat.controller);

    // New options and a new callback: the same controller, and the new callback is the one called.
    const later: string[] = [];
    view.rerender(probe((message) => later.push(message.content)));
    await act(() => latest?.sendMessage('epsilon'));
    await until('the second reply', () => later.length === 1);
    expect(later).toEqual(['You said: epsilon']);
    expect(finished).toHaveLength(1);
    expect(latest?.controller).toBe(chat.controller);
    // Actions are stable: a child given them does not re-render for nothing.
    expect(latest?.sendMessage).toBe(chat.sendMessage);

    await act(() => latest?.requestHuman());
    expect(latest?.chatStatus).toBe('waiting_for_human');
    expect(latest?.currentChat?.status).toBe('waiting_for_human');
    act(() => latest?.disconnect());
    expect(latest).toMatchObject({
      isConnected: false,
      connectionStatus: 'disconnected',
      isInitialized: false,
    });
  });

  it('shares one controller, one socket and one chat among the components of a ChatProvider', async () => {
    const counting = chatCountingFetch();
    const seen: UseChatResult[] = [];
    const handshakes = platform.handshakes();
    const view = render(
      <StrictMode>
        <ChatProvider {...controllerOptions(platform, { fetch: counting.fetch })}>
          <Probe
            onRender={(chat) => seen.push(chat)}
            show={(chat) => <p>{`status ${chat.connectionStatus}`}</p>}
          />
          <Probe
            onRender={(chat) => seen.push(chat)}
            show={(chat) => <p>{`${chat.messageCount} messages`}</p>}
          />
        </ChatProvider>
      </StrictMode>,
    );
    await screen.findByText('status fully_connected');
    await act(() => seen.at(-1)?.sendMessage('shared'));
    await screen.findByText('2 messages');
    expect(new Set(seen.map((chat) => chat.controller)).size).toBe(1);
    expect(platform.handshakes() - handshakes).toBe(1);
    expect(counting.chatsCreated()).toBe(1);
    view.unmount();
    await until('the socket closed', () => platform.openSockets() === 0);
  });

  it('explains what is missing when used without options or a provider', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() => render(<Probe />)).toThrow(/ChatProvider/);
    } finally {
      errors.mockRestore();
    }
  });
});

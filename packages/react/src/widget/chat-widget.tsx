/**
 * The chat widget a visitor sees: a launcher in a corner, and a panel with the conversation.
 * One source for the React package and the script-tag embed (which aliases `react` to Preact).
 * It renders into a shadow root of its own, so it looks the same on any page and changes nothing
 * outside it. See the README's "Chat widget" section for every prop.
 *
 * @example
 * <ChatWidget baseUrl="https://api.example.com" tenantId="miptech-company" title="Ask us" />
 */
import type { ChatController, ChatControllerOptions, ChatMessage } from '@miptech/client';
import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useChat } from '../use-chat.ts';
import { useSlice } from '../use-slice.ts';
import { textColorOn } from './contrast.ts';
import { ChatIcon, CloseIcon, MinimiseIcon, RestoreIcon, SendIcon, StopIcon } from './icons.tsx';
import { MessageItem } from './message-item.tsx';
import { ShadowHost, type WidgetPosition } from './shadow-host.tsx';
import { stringsFor, type WidgetStrings } from './strings.ts';

const MAX_LENGTH = 4000;
const COUNTER_FROM = 3500;
const NARROW = '(max-width: 480px)';

export interface ChatWidgetProps {
  /** The platform's origin; with `tenantId`, the widget makes its own controller. */
  baseUrl?: string;
  tenantId?: string;
  /** A controller to use instead (shared with other components, or made by the embed). */
  controller?: ChatController;
  /** Options for the controller the widget makes. */
  options?: Partial<ChatControllerOptions>;
  position?: WidgetPosition;
  theme?: 'light' | 'dark' | 'auto';
  primaryColor?: string;
  className?: string;
  title?: string;
  placeholder?: string;
  /** The first words, shown before the visitor writes. */
  greeting?: string;
  /** An image URL shown in the header. */
  avatar?: string;
  /** `en`, `it`…: the widget's own words; `strings` overrides any of them. */
  locale?: string;
  strings?: Partial<WidgetStrings>;
  defaultOpen?: boolean;
  launcherLabel?: string;
  /** Controlled open state (the embed's `MIPTech('open')`); otherwise the widget keeps its own. */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  /** Called with each new message from the assistant or a person. */
  onMessage?: (message: ChatMessage) => void;
  onUnreadChange?: (count: number) => void;
}

export function ChatWidget(props: ChatWidgetProps) {
  const {
    position = 'bottom-right',
    theme = 'light',
    primaryColor = '#2563eb',
    className,
    title = 'MIPTech AI Assistant',
    avatar,
  } = props;
  // The widget's controller: its own (closed on unmount, StrictMode-safe), or one it is given.
  // It starts when the panel opens, not on mount: a page nobody chats on opens no socket.
  const chat = useChat(
    props.controller
      ? { controller: props.controller, autoInitialize: false }
      : {
          baseUrl: props.baseUrl ?? '',
          tenantId: props.tenantId ?? '',
          ...props.options,
          autoInitialize: false,
        },
  );
  const { controller, messages, status } = chat;
  const [tenantGreeting, setTenantGreeting] = useState<string | undefined>();
  const strings = useMemo(
    () =>
      stringsFor(props.locale, {
        // The tenant's greeting (set in the console) unless this page chose its own words.
        ...(tenantGreeting ? { greeting: tenantGreeting } : {}),
        ...props.strings,
        ...(props.placeholder ? { placeholder: props.placeholder } : {}),
        ...(props.greeting ? { greeting: props.greeting } : {}),
        ...(props.launcherLabel ? { launcher: props.launcherLabel } : {}),
      }),
    [props.locale, props.strings, props.placeholder, props.greeting, props.launcherLabel, tenantGreeting],
  );
  const connection = useSlice(controller, 'connection');
  const handoff = chat.chatStatus;
  const error = chat.errorDetail;

  const [ownOpen, setOwnOpen] = useState(props.defaultOpen ?? false);
  const open = props.open ?? ownOpen;
  // Read once, when the panel first opens (a page nobody chats on makes no request). A page's own
  // greeting wins, so there is nothing to ask for then.
  const ownGreeting = Boolean(props.greeting || props.strings?.greeting);
  const askedConfig = useRef(false);
  useEffect(() => {
    if (!open || ownGreeting || askedConfig.current) return;
    askedConfig.current = true;
    controller.api.widgetConfig().then(
      (config) => setTenantGreeting(config.greeting || undefined),
      () => undefined, // An older platform or a network hiccup: the widget's own greeting stays.
    );
  }, [open, ownGreeting, controller]);
  const setOpen = (next: boolean) => {
    setOwnOpen(next);
    props.onOpenChange?.(next);
  };
  const [minimised, setMinimised] = useState(false);
  const [draft, setDraft] = useState('');
  const narrow = useMediaQuery(NARROW);
  const viewportHeight = useVisualViewportHeight(open && narrow);

  // Start when opened, or at once for a visitor who has a conversation going (its unread count).
  useEffect(() => {
    if (open || controller.session.get().chatId) controller.initialize().catch(() => {});
  }, [open, controller]);

  const unread = useUnread(controller, messages, open && !minimised);
  useEffect(() => props.onUnreadChange?.(unread), [unread, props.onUnreadChange]);
  useNewMessages(messages, props.onMessage);

  const launcherRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    // Focus follows the panel: into the input on open, back to the launcher on close.
    if (open && !minimised) inputRef.current?.focus();
    else if (!open && wasOpen.current) launcherRef.current?.focus();
    wasOpen.current = open;
  }, [open, minimised]);

  const logRef = useStickToBottom(messages, status);
  const variables = useMemo(
    () => ({
      '--mt-primary': primaryColor,
      '--mt-on-primary': textColorOn(primaryColor),
      ...(viewportHeight ? { '--mt-viewport-height': `${viewportHeight}px` } : {}),
    }),
    [primaryColor, viewportHeight],
  );

  const submit = () => {
    const text = draft.trim();
    if (!text || text.length > MAX_LENGTH) return;
    setDraft('');
    controller.send(text).catch(() => {});
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  const onPanelKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') setOpen(false);
  };

  const headingId = useId();
  const streaming = status === 'streaming';
  const fullscreen = open && narrow && !minimised;
  const side = position.endsWith('left') ? 'left' : 'right';
  const stateText =
    connection === 'open'
      ? strings.connected
      : connection === 'reconnecting'
        ? strings.reconnecting
        : connection === 'offline'
          ? strings.offline
          : strings.connecting;

  return (
    <ShadowHost
      position={position}
      fullscreen={fullscreen}
      theme={theme}
      variables={variables}
      className={className}
    >
      <div className="root" data-side={side} data-fullscreen={String(fullscreen)}>
        {open && (
          <div
            className="panel"
            role="dialog"
            aria-labelledby={headingId}
            data-minimised={String(minimised)}
            onKeyDown={onPanelKeyDown}
          >
            <header>
              {avatar && <img className="avatar" src={avatar} alt="" />}
              <div className="titles">
                <h2 id={headingId}>{title}</h2>
                <div className="state">{stateText}</div>
              </div>
              <button
                type="button"
                className="icon-button"
                aria-label={minimised ? strings.restore : strings.minimise}
                onClick={() => setMinimised(!minimised)}
              >
                {minimised ? <RestoreIcon /> : <MinimiseIcon />}
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={strings.close}
                onClick={() => setOpen(false)}
              >
                <CloseIcon />
              </button>
            </header>
            {!minimised && (
              <>
                {(connection === 'reconnecting' || connection === 'offline') && (
                  <div className="banner" role="status">
                    {connection === 'offline' ? strings.offline : strings.reconnecting}
                  </div>
                )}
                {error && error.type !== 'network' && connection !== 'open' && (
                  <div className="banner" role="alert">
                    {error.message}
                  </div>
                )}
                <div className="log" ref={logRef} role="log" aria-live="polite" aria-label={strings.messages}>
                  <div className="row assistant">
                    <div className="bubble">
                      <span className="author">{strings.assistant}</span>
                      <p>{strings.greeting}</p>
                    </div>
                  </div>
                  {messages.map((message) => (
                    <MessageItem
                      key={
                        message.client_message_id && message.role === 'user'
                          ? message.client_message_id
                          : message.id
                      }
                      message={message}
                      strings={strings}
                      baseUrl={controller.api.http.baseUrl}
                      onRetry={(id) => controller.retry(id).catch(() => {})}
                    />
                  ))}
                  {status === 'submitted' && (
                    <div className="row assistant">
                      <div className="bubble typing" role="status" aria-label={strings.typing}>
                        <span />
                        <span />
                        <span />
                      </div>
                    </div>
                  )}
                  <HandoffNotice state={handoff} messages={messages} strings={strings} />
                </div>
                {handoff === 'active' && (
                  <div className="actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => controller.requestHuman().catch(() => {})}
                    >
                      {strings.talkToPerson}
                    </button>
                  </div>
                )}
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    submit();
                  }}
                >
                  <textarea
                    ref={inputRef}
                    rows={1}
                    value={draft}
                    placeholder={strings.placeholder}
                    aria-label={strings.placeholder}
                    maxLength={MAX_LENGTH}
                    onInput={(event) => {
                      const value = (event.target as HTMLTextAreaElement).value;
                      setDraft(value);
                      // Operators see "The visitor is typing…" (throttled by the controller).
                      controller.typing(value.trim() !== '');
                    }}
                    onKeyDown={onKeyDown}
                  />
                  {streaming ? (
                    <button
                      type="button"
                      className="send"
                      aria-label={strings.stop}
                      onClick={() => controller.stop()}
                    >
                      <StopIcon />
                    </button>
                  ) : (
                    <button type="submit" className="send" aria-label={strings.send} disabled={!draft.trim()}>
                      <SendIcon />
                    </button>
                  )}
                </form>
                {draft.length >= COUNTER_FROM && (
                  <div className="counter" data-over={String(draft.length >= MAX_LENGTH)} aria-live="polite">
                    {strings.characters(draft.length, MAX_LENGTH)}
                  </div>
                )}
              </>
            )}
          </div>
        )}
        {!fullscreen && (
          <button
            ref={launcherRef}
            type="button"
            className="launcher"
            aria-label={unread > 0 ? `${strings.launcher}, ${strings.unread(unread)}` : strings.launcher}
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            {open ? <CloseIcon /> : <ChatIcon />}
            <span className="dot" data-state={connection} />
            {unread > 0 && !open && (
              <span className="badge" aria-hidden="true">
                {unread}
              </span>
            )}
          </button>
        )}
      </div>
    </ShadowHost>
  );
}

/**
 * The chat's handoff state in the widget's own words, unless the thread says it already: the
 * server announces each step as a system message ("Anna joined the chat."), and saying it twice
 * reads like two events. A server that does not announce still gets the notice.
 */
function HandoffNotice({
  state,
  messages,
  strings,
}: {
  state: string;
  messages: readonly ChatMessage[];
  strings: WidgetStrings;
}) {
  const announced = messages.findLast((message) => message.role === 'system')?.metadata.status === state;
  if (announced) return null;
  const text =
    state === 'waiting_for_human'
      ? strings.waitingForPerson
      : state === 'with_human'
        ? strings.personJoined
        : state === 'closed'
          ? strings.chatClosed
          : null;
  return text ? (
    <p className="notice" role="status">
      {text}
    </p>
  ) : null;
}

/**
 * Replies from the assistant or a person that came after the newest one the visitor had in view.
 * The mark is kept in the session store, so a reload shows the same count (and history is not news).
 */
function useUnread(controller: ChatController, messages: readonly ChatMessage[], inView: boolean): number {
  const newest = messages.reduce((seq, message) => Math.max(seq, message.seq ?? 0), 0);
  useEffect(() => {
    if (inView && newest > controller.session.get().readSeq) controller.session.update({ readSeq: newest });
  }, [controller, inView, newest]);
  if (inView) return 0;
  const { readSeq } = controller.session.get();
  return messages.filter(
    (message) =>
      (message.role === 'assistant' || message.role === 'human') &&
      message.status !== 'streaming' &&
      (message.seq ?? 0) > readSeq,
  ).length;
}

function useNewMessages(
  messages: readonly ChatMessage[],
  onMessage: ((message: ChatMessage) => void) | undefined,
) {
  const told = useRef(new Set<string>());
  const first = useRef(true);
  useEffect(() => {
    for (const message of messages) {
      if (message.role === 'user' || message.status === 'streaming' || told.current.has(message.id)) continue;
      told.current.add(message.id);
      // History loaded at start is not news.
      if (!first.current) onMessage?.(message);
    }
    if (messages.length > 0) first.current = false;
  }, [messages, onMessage]);
}

/** Keeps the log scrolled to the newest message, unless the visitor scrolled up to read. */
function useStickToBottom(messages: readonly ChatMessage[], status: string) {
  const ref = useRef<HTMLDivElement>(null);
  const stuck = useRef(true);
  useEffect(() => {
    const log = ref.current;
    if (!log) return;
    const onScroll = () => {
      stuck.current = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    };
    log.addEventListener('scroll', onScroll, { passive: true });
    return () => log.removeEventListener('scroll', onScroll);
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new message or status is what moves the bottom
  useLayoutEffect(() => {
    const log = ref.current;
    if (log && stuck.current) log.scrollTop = log.scrollHeight;
  }, [messages, status]);
  return ref;
}

function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => typeof matchMedia === 'function' && matchMedia(query).matches);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const list = matchMedia(query);
    const update = () => setMatches(list.matches);
    list.addEventListener('change', update);
    update();
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}

/** The height left by the iOS on-screen keyboard, so the input stays in view while typing. */
function useVisualViewportHeight(active: boolean): number | undefined {
  const [height, setHeight] = useState<number>();
  useEffect(() => {
    const viewport = typeof visualViewport === 'object' ? visualViewport : null;
    if (!active || !viewport) return setHeight(undefined);
    const update = () => setHeight(Math.round(viewport.height));
    viewport.addEventListener('resize', update);
    update();
    return () => viewport.removeEventListener('resize', update);
  }, [active]);
  return height;
}

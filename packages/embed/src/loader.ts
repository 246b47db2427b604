/**
 * The script tag's loader, an IIFE of a few KB. It draws a launcher that looks like the widget's
 * and does nothing on the network until the visitor shows interest (hover, focus, touch, click);
 * then it loads the widget chunk, which replaces the launcher. So a page that nobody chats on
 * pays for the loader alone (not even an idle-time prefetch). A visitor whose browser holds a
 * conversation gets the widget at once, with its unread count.
 *
 * `window.MIPTech` takes calls before and after it runs:
 *   window.MIPTech = window.MIPTech || function () { (MIPTech.q = MIPTech.q || []).push(arguments) };
 *   MIPTech('open'); MIPTech('on', 'message', fn); MIPTech('identify', { name, email });
 * and, once loaded, `MIPTech.open()` and the like.
 */
import { textColorOn } from '../../react/src/widget/contrast.ts';
import type { EmbedEvent, EmbedOptions, MountedWidget, WidgetBridge } from './embed-options.ts';

/** The content-hashed path of the widget chunk, written in by the build (scripts/build-web.ts). */
declare const __MIPTECH_WIDGET_PATH__: string;

type Listener = (value?: unknown) => void;
type Command = 'open' | 'close' | 'toggle' | 'on' | 'off' | 'identify' | 'setLocale' | 'reset' | 'shutdown';

interface QueuedApi {
  (...args: unknown[]): unknown;
  q?: ArrayLike<unknown>[];
}

((): void => {
  const script = document.currentScript as HTMLScriptElement | null;
  const data = script?.dataset ?? {};
  const tenantId = data.tenantId ?? data.tenant;
  if (!tenantId) {
    console.error('[MIPTech] The script tag needs data-tenant-id="<your tenant id>"');
    return;
  }
  const source = new URL(script?.src ?? location.href);
  const options: EmbedOptions = {
    tenantId,
    baseUrl: data.baseUrl ?? source.origin,
    ...(data.position ? { position: data.position as EmbedOptions['position'] } : {}),
    ...(data.theme ? { theme: data.theme as EmbedOptions['theme'] } : {}),
    ...(data.primaryColor ? { primaryColor: data.primaryColor } : {}),
    ...(data.title ? { title: data.title } : {}),
    ...(data.placeholder ? { placeholder: data.placeholder } : {}),
    ...(data.greeting ? { greeting: data.greeting } : {}),
    ...(data.avatar ? { avatar: data.avatar } : {}),
    ...(data.locale ? { locale: data.locale } : {}),
    ...(data.launcherLabel ? { launcherLabel: data.launcherLabel } : {}),
    defaultOpen: data.defaultOpen === 'true',
  };

  const listeners = new Map<string, Set<Listener>>();
  const bridge: WidgetBridge = {
    emit(event: EmbedEvent, value?: unknown) {
      for (const listener of listeners.get(event) ?? []) listener(value);
    },
  };
  let widget: MountedWidget | undefined;
  let loading: Promise<MountedWidget> | undefined;
  /** Calls that need the widget wait here until it is loaded. */
  const pending: Array<(mounted: MountedWidget) => void> = [];
  let wantOpen = options.defaultOpen === true;
  let facade: HTMLElement | undefined;

  const load = (): Promise<MountedWidget> => {
    loading ??= import(/* @vite-ignore */ new URL(__MIPTECH_WIDGET_PATH__, options.baseUrl).href).then(
      (module: { mount(options: EmbedOptions, bridge: WidgetBridge): MountedWidget }) => {
        widget = module.mount({ ...options, defaultOpen: wantOpen }, bridge);
        facade?.remove();
        for (const call of pending.splice(0)) call(widget);
        bridge.emit('ready');
        return widget;
      },
    );
    return loading;
  };
  const withWidget = (call: (mounted: MountedWidget) => void) => {
    if (widget) call(widget);
    else {
      pending.push(call);
      void load();
    }
  };

  const commands: Record<Command, (...args: unknown[]) => void> = {
    open: () => {
      wantOpen = true;
      withWidget((mounted) => mounted.setOpen(true));
    },
    close: () => {
      wantOpen = false;
      widget?.setOpen(false);
    },
    toggle: () => (wantOpen ? commands.close() : commands.open()),
    on: (event, listener) => {
      const set = listeners.get(String(event)) ?? new Set<Listener>();
      listeners.set(String(event), set);
      set.add(listener as Listener);
    },
    off: (event, listener) => void listeners.get(String(event))?.delete(listener as Listener),
    identify: (visitor) =>
      withWidget((mounted) => mounted.identify((visitor ?? {}) as Record<string, unknown>)),
    setLocale: (locale) => {
      options.locale = String(locale);
      widget?.setLocale(String(locale));
    },
    reset: () => withWidget((mounted) => mounted.reset()),
    shutdown: () => {
      widget?.unmount();
      facade?.remove();
      widget = undefined;
    },
  };
  // Keep the open state in step with what the visitor does in the widget itself.
  commands.on('open', () => {
    wantOpen = true;
  });
  commands.on('close', () => {
    wantOpen = false;
  });

  const api = ((command: unknown, ...args: unknown[]) => {
    const run = commands[command as Command];
    if (run) run(...args);
    else console.warn(`[MIPTech] Unknown command: ${String(command)}`);
  }) as QueuedApi & Record<Command, (...args: unknown[]) => void>;
  for (const [name, run] of Object.entries(commands)) api[name as Command] = run;
  const global = window as unknown as { MIPTech?: QueuedApi };
  const queued = global.MIPTech?.q ?? [];
  global.MIPTech = api;
  for (const call of Array.from(queued)) api(...Array.from(call));

  // A conversation in progress (the SDK's session store): load now, to show it and its unread count.
  let resuming = false;
  try {
    resuming = Boolean(JSON.parse(localStorage.getItem(`miptech:${tenantId}:session`) ?? 'null')?.chatId);
  } catch {
    // Storage blocked: nothing to resume.
  }
  if (resuming || wantOpen) {
    void load();
    return;
  }

  facade = drawLauncher(
    options,
    () => commands.open(),
    () => void load(),
  );
})();

/** A launcher like the widget's, in a shadow root of its own, while the widget is not loaded yet. */
function drawLauncher(options: EmbedOptions, open: () => void, warm: () => void): HTMLElement {
  const host = document.createElement('miptech-launcher');
  const [vertical, horizontal] = (options.position ?? 'bottom-right').split('-');
  const box: Record<string, string> = {
    all: 'initial',
    position: 'fixed',
    'z-index': '2147483000',
    [vertical === 'top' ? 'top' : 'bottom']: '20px',
    [horizontal === 'left' ? 'left' : 'right']: '20px',
  };
  for (const [name, value] of Object.entries(box)) host.style.setProperty(name, value, 'important');
  const shadow = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    'button{all:initial;display:flex;align-items:center;justify-content:center;width:60px;height:60px;border-radius:50%;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}svg{width:28px;height:28px}',
  );
  shadow.adoptedStyleSheets = [sheet];
  const button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', options.launcherLabel ?? 'Open chat');
  button.setAttribute('aria-expanded', 'false');
  const primary = options.primaryColor ?? '#2563eb';
  button.style.setProperty('background', primary);
  button.style.setProperty('color', textColorOn(primary));
  button.innerHTML =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  button.addEventListener('click', open);
  for (const event of ['pointerenter', 'focus', 'touchstart'])
    button.addEventListener(event, warm, { once: true });
  shadow.append(button);
  document.body.append(host);
  return host;
}

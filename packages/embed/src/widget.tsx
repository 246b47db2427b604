/**
 * The widget chunk the loader imports: the React package's ChatWidget, compiled against Preact
 * (`react` is aliased to `preact/compat` in the build), mounted with the script tag's options.
 */
import { ChatController } from '@miptech/client';
import { render } from 'preact';
import { useState } from 'react';
import { ChatWidget } from '../../react/src/widget/chat-widget.tsx';
import type { EmbedOptions, MountedWidget, WidgetBridge } from './embed-options.ts';

/**
 * What the loader's commands change, kept outside the component: the state survives a `reset()`
 * (which mounts a new component), and a command that arrives before the new component has run
 * its effects still takes (Preact runs effects after paint).
 */
interface Handle {
  open: boolean;
  locale: string | undefined;
  setOpen?: (open: boolean) => void;
  setLocale?: (locale: string) => void;
}

function EmbeddedWidget({
  options,
  controller,
  bridge,
  handle,
}: {
  options: EmbedOptions;
  controller: ChatController;
  bridge: WidgetBridge;
  handle: Handle;
}) {
  const [open, setOpen] = useState(handle.open);
  const [locale, setLocale] = useState(handle.locale);
  // Assigned while rendering, not in an effect: a command right after mounting must reach us.
  handle.setOpen = setOpen;
  handle.setLocale = setLocale;
  const { tenantId: _tenant, baseUrl: _base, defaultOpen: _default, ...props } = options;
  return (
    <ChatWidget
      {...props}
      {...(locale ? { locale } : {})}
      controller={controller}
      open={open}
      onOpenChange={(next) => {
        handle.open = next;
        setOpen(next);
        bridge.emit(next ? 'open' : 'close');
      }}
      onMessage={(message) => bridge.emit('message', message)}
      onUnreadChange={(count) => bridge.emit('unread', count)}
    />
  );
}

export function mount(options: EmbedOptions, bridge: WidgetBridge): MountedWidget {
  const container = document.createElement('div');
  const handle: Handle = { open: options.defaultOpen === true, locale: options.locale };
  let controller = new ChatController({ baseUrl: options.baseUrl, tenantId: options.tenantId });
  const draw = () =>
    render(
      <EmbeddedWidget options={options} controller={controller} bridge={bridge} handle={handle} />,
      container,
    );
  draw();
  return {
    setOpen: (open) => {
      handle.open = open;
      handle.setOpen?.(open);
      bridge.emit(open ? 'open' : 'close');
    },
    identify: (visitor) => controller.identify(visitor),
    setLocale: (locale) => {
      handle.locale = locale;
      handle.setLocale?.(locale);
    },
    reset: () => {
      controller.disconnect();
      controller.session.clear();
      render(null, container);
      controller = new ChatController({ baseUrl: options.baseUrl, tenantId: options.tenantId });
      draw();
    },
    unmount: () => {
      render(null, container);
      controller.disconnect();
    },
  };
}

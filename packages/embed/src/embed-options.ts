/**
 * What the script tag says: `data-*` attributes mirror the ChatWidget's props. Shared by the
 * loader (which reads them) and the widget chunk (which receives them).
 */
export interface EmbedOptions {
  tenantId: string;
  baseUrl: string;
  position?: 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';
  theme?: 'light' | 'dark' | 'auto';
  primaryColor?: string;
  title?: string;
  placeholder?: string;
  greeting?: string;
  avatar?: string;
  locale?: string;
  launcherLabel?: string;
  defaultOpen?: boolean;
}

/** Events a page can listen to with `MIPTech('on', name, fn)`. */
export type EmbedEvent = 'ready' | 'open' | 'close' | 'message' | 'unread';

/** What the loader hands the widget chunk: how to tell the page what happens. */
export interface WidgetBridge {
  emit(event: EmbedEvent, value?: unknown): void;
}

/** What the widget chunk gives back to the loader. */
export interface MountedWidget {
  setOpen(open: boolean): void;
  identify(visitor: Record<string, unknown>): void;
  setLocale(locale: string): void;
  /** A new session: the next chat starts afresh (a site's logout). */
  reset(): void;
  /** Removes the widget from the page and closes its connection. */
  unmount(): void;
}

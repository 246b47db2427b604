/**
 * Renders the widget into a shadow root of its own element, appended to `document.body`: the
 * page's CSS cannot reach inside, and the widget's cannot get out. The host element's own box
 * (fixed, in a corner, letting clicks through around the widget) is set inline and `!important`
 * through the CSSOM, which beats page rules like `* { all: unset }` and is allowed by a strict CSP.
 */
import { type ReactNode, useLayoutEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { WIDGET_CSS } from './styles.ts';

export type WidgetPosition = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';

export interface ShadowHostProps {
  position: WidgetPosition;
  /** Cover the viewport (an open widget on a phone). */
  fullscreen: boolean;
  theme: 'light' | 'dark' | 'auto';
  /** Custom properties for the stylesheet (`--mt-primary`…). */
  variables: Record<string, string>;
  className?: string;
  children: ReactNode;
}

/** One stylesheet object for every widget on the page. */
let sharedSheet: CSSStyleSheet | undefined;

export function ShadowHost({ position, fullscreen, theme, variables, className, children }: ShadowHostProps) {
  const [host, setHost] = useState<HTMLElement | null>(null);
  const [root, setRoot] = useState<ShadowRoot | null>(null);

  useLayoutEffect(() => {
    const element = document.createElement('miptech-chat');
    document.body.appendChild(element);
    const shadow = element.attachShadow({ mode: 'open' });
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(WIDGET_CSS);
    }
    shadow.adoptedStyleSheets = [sharedSheet];
    setHost(element);
    setRoot(shadow);
    return () => element.remove();
  }, []);

  useLayoutEffect(() => {
    if (!host) return;
    const [vertical, horizontal] = position.split('-') as ['top' | 'bottom', 'left' | 'right'];
    const box: Record<string, string> = fullscreen
      ? { top: '0', right: '0', bottom: '0', left: '0', width: 'auto', height: 'auto' }
      : {
          top: vertical === 'top' ? '20px' : 'auto',
          bottom: vertical === 'bottom' ? '20px' : 'auto',
          left: horizontal === 'left' ? '20px' : 'auto',
          right: horizontal === 'right' ? '20px' : 'auto',
          width: 'auto',
          height: 'auto',
        };
    const fixed: Record<string, string> = {
      all: 'initial',
      display: 'block',
      position: 'fixed',
      'z-index': '2147483000',
      'pointer-events': 'none',
      margin: '0',
      padding: '0',
      ...box,
    };
    host.removeAttribute('style');
    for (const [name, value] of Object.entries(fixed)) host.style.setProperty(name, value, 'important');
    for (const [name, value] of Object.entries(variables)) host.style.setProperty(name, value);
    host.dataset.theme = theme;
    host.dataset.position = position;
    host.className = className ?? '';
  }, [host, position, fullscreen, theme, variables, className]);

  return root ? createPortal(children, root) : null;
}

/**
 * A router of a few lines: the console has four screens, and a path per conversation so a reload
 * or a shared link opens it. Paths are under /console (the server answers every one of them).
 */
import { useEffect, useState } from 'react';

export const BASE = '/console';

export type Route = { screen: 'inbox'; chatId?: string } | { screen: 'knowledge' } | { screen: 'settings' };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  if (parts[0] === 'knowledge') return { screen: 'knowledge' };
  if (parts[0] === 'settings') return { screen: 'settings' };
  if (parts[0] === 'chats' && parts[1]) return { screen: 'inbox', chatId: decodeURIComponent(parts[1]) };
  return { screen: 'inbox' };
}

export function hrefOf(route: Route): string {
  if (route.screen === 'inbox')
    return route.chatId ? `${BASE}/chats/${encodeURIComponent(route.chatId)}` : BASE;
  return `${BASE}/${route.screen}`;
}

export function navigate(route: Route): void {
  history.pushState(null, '', hrefOf(route));
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}

/** An <a> click that stays in the app (a modified click still opens a new tab). */
export function follow(route: Route) {
  return (event: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean }) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(route);
  };
}

/**
 * Who closes a controller, and when. StrictMode mounts, unmounts and mounts again at once; closing
 * on that fake unmount and initializing again would open a second socket. So the owner closes on
 * a deferred check: when no component holds the controller a tick after an unmount, it was real.
 */
import type { ChatController } from '@miptech/client';
import { useEffect } from 'react';
import { pendingInitialize, startInitialize } from './activity.ts';

interface Holders {
  count: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const holders = new WeakMap<ChatController, Holders>();

export interface LifecycleOptions {
  /** Created here (from options): closed when the last holder unmounts. */
  owned: boolean;
  /** Calls `initialize()` on mount (idempotent, so StrictMode's second mount shares the first's). */
  autoInitialize: boolean;
}

export function useControllerLifecycle(controller: ChatController, options: LifecycleOptions): void {
  const { owned, autoInitialize } = options;
  useEffect(() => {
    const held = holdersOf(controller);
    held.count += 1;
    clearTimeout(held.timer);
    // Failures are in the controller's `error` slice, which the hook shows.
    if (autoInitialize) startInitialize(controller).catch(() => {});
    return () => {
      held.count -= 1;
      if (!owned) return;
      clearTimeout(held.timer);
      held.timer = setTimeout(() => {
        if (held.count === 0) closeForGood(controller);
      }, 0);
    };
  }, [controller, owned, autoInitialize]);
}

function holdersOf(controller: ChatController): Holders {
  let held = holders.get(controller);
  if (!held) {
    held = { count: 0, timer: undefined };
    holders.set(controller, held);
  }
  return held;
}

/**
 * Closes the socket; if an `initialize()` is still under way it would open one after this, so
 * close again once it settles (unless a new holder mounted meanwhile).
 */
function closeForGood(controller: ChatController): void {
  const pending = pendingInitialize(controller);
  controller.disconnect();
  const again = () => {
    if (holdersOf(controller).count === 0) controller.disconnect();
  };
  pending?.then(again, again);
}

/**
 * What the hooks do on a controller that the controller itself does not publish: whether an
 * `initialize()` started here is under way, and the last API test. Kept per controller (not per
 * component), so every component sharing a controller through {@link ChatProvider} sees the same
 * `isLoading` and `connectionStatus`. A slice store like the controller's: components read it with
 * `useSyncExternalStore`, so nothing calls setState, and an unmounted component hears nothing.
 */
import { type ChatController, SliceStore } from '@miptech/client';

/** The seed's API-test states, shown by `connectionStatus` while no socket is wanted. */
export type ApiTestState = 'idle' | 'testing' | 'connected' | 'failed';

export interface Activity extends Record<string, unknown> {
  initializing: boolean;
  apiTest: ApiTestState;
}

interface Entry {
  store: SliceStore<Activity>;
  /** The `initialize()` under way, to close again what it opens if the owner unmounts meanwhile. */
  pending: Promise<void> | undefined;
}

const entries = new WeakMap<ChatController, Entry>();

function entryOf(controller: ChatController): Entry {
  let entry = entries.get(controller);
  if (!entry) {
    entry = { store: new SliceStore<Activity>({ initializing: false, apiTest: 'idle' }), pending: undefined };
    entries.set(controller, entry);
  }
  return entry;
}

/** The controller's activity store (created on first use). */
export function activityOf(controller: ChatController): SliceStore<Activity> {
  return entryOf(controller).store;
}

/**
 * `controller.initialize()`, with `initializing` set while it runs. The controller makes a second
 * call share the first one's work, so this is idempotent too.
 */
export function startInitialize(controller: ChatController): Promise<void> {
  const entry = entryOf(controller);
  const promise = controller.initialize();
  if (entry.pending === promise) return promise;
  entry.pending = promise;
  entry.store.set({ initializing: true });
  const done = () => {
    if (entry.pending !== promise) return;
    entry.pending = undefined;
    entry.store.set({ initializing: false });
  };
  promise.then(done, done);
  return promise;
}

/** The `initialize()` started through {@link startInitialize} that has not settled yet. */
export function pendingInitialize(controller: ChatController): Promise<void> | undefined {
  return entries.get(controller)?.pending;
}

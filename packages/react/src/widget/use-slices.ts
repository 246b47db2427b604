/** Binds a ChatController's slices with `useSyncExternalStore`, one subscription per slice. */
import type { ChatController, ChatSlices } from '@miptech/client';
import { useCallback, useSyncExternalStore } from 'react';

export function useSlice<K extends keyof ChatSlices>(controller: ChatController, slice: K): ChatSlices[K] {
  const subscribe = useCallback(
    (listener: () => void) => controller.subscribe(slice, listener),
    [controller, slice],
  );
  const get = useCallback(() => controller.get(slice), [controller, slice]);
  return useSyncExternalStore(subscribe, get, get);
}

/** One slice of a ChatController, bound with `useSyncExternalStore`: a component re-renders only when it changes. */
import type { ChatController, ChatSlices } from '@miptech/client';
import { useCallback, useSyncExternalStore } from 'react';

export function useSlice<K extends keyof ChatSlices>(controller: ChatController, slice: K): ChatSlices[K] {
  const subscribe = useCallback(
    (listener: () => void) => controller.subscribe(slice, listener),
    [controller, slice],
  );
  const snapshot = useCallback(() => controller.get(slice), [controller, slice]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

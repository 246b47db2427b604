/**
 * State in named slices, each with its own subscribers: a UI bound to `messages` does not
 * re-render when only `connection` changes. The shape React's `useSyncExternalStore` wants
 * (subscribe, and a snapshot that stays the same object until it changes), and any framework's.
 */
export class SliceStore<State extends Record<string, unknown>> {
  #state: State;
  readonly #listeners = new Map<keyof State, Set<() => void>>();

  constructor(initial: State) {
    this.#state = initial;
  }

  get<K extends keyof State>(slice: K): State[K] {
    return this.#state[slice];
  }

  /** Calls `listener` whenever `slice` changes; returns the unsubscribe function. */
  subscribe(slice: keyof State, listener: () => void): () => void {
    const set = this.#listeners.get(slice) ?? new Set();
    this.#listeners.set(slice, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Sets slices; subscribers of each slice whose value changed (by identity) are told. */
  set(changes: Partial<State>): void {
    const changed: (keyof State)[] = [];
    for (const key of Object.keys(changes) as (keyof State)[]) {
      if (!Object.is(this.#state[key], changes[key])) changed.push(key);
    }
    if (changed.length === 0) return;
    this.#state = { ...this.#state, ...changes };
    for (const key of changed) for (const listener of this.#listeners.get(key) ?? []) listener();
  }
}

/**
 * A value created at the first render and kept. Not `useState(init)`: StrictMode calls state
 * initializers twice and throws one result away, which would construct a second controller; a ref
 * filled during render is kept between StrictMode's two render passes (React 19), so there is one.
 */
import { useRef } from 'react';

export function useOnce<T>(create: () => T): T {
  const ref = useRef<{ value: T } | null>(null);
  ref.current ??= { value: create() };
  return ref.current.value;
}

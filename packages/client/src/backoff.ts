/**
 * Reconnect delays: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"), so that thousands of widgets dropped by one server restart do not all come back
 * in the same millisecond. No attempt limit: a visitor's tab keeps trying, slowly.
 */
export interface BackoffOptions {
  /** First delay's ceiling; default 500 ms. */
  initialMs?: number;
  /** Largest ceiling; default 30 s. */
  maxMs?: number;
  /** For tests: a number in [0, 1). */
  random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0 for the first): random in [0, ceiling]. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = 500, maxMs = 30_000, random = Math.random } = options;
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

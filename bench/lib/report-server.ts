/** The server side of {@link startServer}: tell the parent the port, answer memory requests. */
export function reportReady(port: number, onStop?: () => Promise<void>): void {
  process.send?.({ type: 'ready', port });
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'memory') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send?.({ type: 'memory', heapUsed, rss });
  });
  process.on('SIGTERM', () => {
    void (onStop ?? (async () => {}))().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * Ends replies whose writer died. A reply being written touches its `updated_at` at least every
 * couple of seconds (reply-runner.ts); one that has not moved for `staleAfterMs` belongs to a
 * crashed or lost instance. Any instance may sweep: the store's conditional update makes each
 * reply end once, and the `response_end` event tells every socket on the chat.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import { chatChannel } from '../bus/chat-events.ts';
import type { Store } from '../storage/store.ts';

export interface SweeperOptions {
  store: Store;
  bus: Bus;
  log: FastifyBaseLogger;
  /** A streaming reply untouched this long is interrupted. */
  staleAfterMs?: number;
  /** How often to look. */
  intervalMs?: number;
}

/** Sweeps once now and then every `intervalMs`; returns the function that stops it. */
export function startStaleReplySweeper(options: SweeperOptions): () => void {
  const { store, bus, log } = options;
  const staleAfterMs = options.staleAfterMs ?? 15_000;
  const sweep = async () => {
    const interrupted = await store.interruptStaleMessages(new Date(Date.now() - staleAfterMs).toISOString());
    for (const { tenant_id, message } of interrupted) {
      log.warn(
        { chat_id: message.chat_id, message_id: message.id },
        'assistant reply interrupted: its writer stopped',
      );
      await bus.publish(chatChannel(tenant_id, message.chat_id), { kind: 'response_end', message });
    }
  };
  const run = () => void sweep().catch((error) => log.warn({ err: error }, 'stale reply sweep failed'));
  run();
  const timer = setInterval(run, options.intervalMs ?? 5000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Presence on a chat's bus channel: which operators view the chat, on any instance. Nothing is
 * stored. Each instance announces its own viewers when they start and stop, and again every
 * refresh interval with a time to live; every instance with a socket on the chat keeps the table
 * from these events and forgets an entry whose refresh is overdue, so an instance that dies
 * without a word leaves no ghost for longer than the time to live (decision 016).
 */

export type PresenceEvent =
  /** A socket shows the chat to its operator (`viewing`), or no longer; refreshed while it lasts. */
  | {
      kind: 'viewer';
      /** The socket's connection id (unique across instances): one operator may view from two tabs. */
      connection_id: string;
      operator_id: string;
      name: string;
      viewing: boolean;
      /** Forget the entry this long after the event unless it is refreshed, in milliseconds. */
      ttl_ms: number;
    }
  /** An instance began following the chat: every instance announces its viewers again at once. */
  | { kind: 'viewers_sync' };

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/** Narrows a bus event to a presence event (the bus carries plain JSON; anything else is not one). */
export function asPresenceEvent(event: Record<string, unknown>): PresenceEvent | undefined {
  if (event.kind === 'viewers_sync') return { kind: 'viewers_sync' };
  if (event.kind !== 'viewer') return undefined;
  const { connection_id, operator_id, name, viewing, ttl_ms } = event;
  if (!isText(connection_id, 128) || !isText(operator_id, 128) || !isText(name, 200)) return undefined;
  if (typeof viewing !== 'boolean' || typeof ttl_ms !== 'number' || !(ttl_ms > 0)) return undefined;
  return { kind: 'viewer', connection_id, operator_id, name, viewing, ttl_ms };
}

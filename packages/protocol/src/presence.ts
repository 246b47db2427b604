/**
 * Presence: who is typing in a chat, and which operators are viewing it. Nothing of it is stored;
 * it travels between instances on the chat's bus channel (see docs/protocol.md, "Presence", and
 * docs/decisions/016-presence.md). Zod-free, so browser bundles import it through `constants`.
 */

/**
 * A `typing: true` is relayed at most once per this many milliseconds per socket and chat; a
 * client repeats it about this often while the person types, and a receiver shows the indicator
 * for {@link TYPING_SHOWN_MS} after the last one it got.
 */
export const TYPING_RELAY_INTERVAL_MS = 2000;

/** How long a receiver shows "is typing…" after the last `typing: true`, so a lost `false` cannot stick. */
export const TYPING_SHOWN_MS = 6000;

/** A client sends `typing: false` after this long without a keystroke. */
export const TYPING_IDLE_MS = 3000;

/** An operator viewing a chat, as `presence` frames list them. */
export interface Viewer {
  operator_id: string;
  /** Display name, e.g. "Anna". */
  name: string;
}

/**
 * The contract between the account code and whatever holds an operator's credentials open for
 * longer than one request: today the WebSocket gateway. REST checks the session and the operator
 * on every request, so a logout applies to the next request by itself; a socket authenticated
 * once would keep reading chats. So every change that ends or narrows an operator's access is
 * announced here, and the gateway (on every instance, through the bus) re-checks the sockets of
 * that operator against the database.
 *
 * The announcement carries no verdict on purpose: the database says what holds, so a late or
 * repeated announcement can never grant anything, and one for a session that is still fine
 * changes nothing.
 */

/** Why an operator's access changed; for logs and the close reason. */
export type AccessChangeReason = 'logout' | 'password_change' | 'removed' | 'role_change' | 'token_reuse';

/** One announced change: re-check this operator's live connections. */
export interface AccessChange {
  tenant_id: string;
  operator_id: string;
  reason: AccessChangeReason;
}

/**
 * Told after the change is committed. Resolves once the announcement is handed over (it must
 * not throw: the change itself has happened and is what the caller answers about).
 *
 * @example
 * await announce({ tenant_id: 'acme', operator_id: operator.id, reason: 'logout' });
 */
export type AnnounceAccessChange = (change: AccessChange) => Promise<void>;

/** For callers that hold no live connections (the CLI, unit tests). */
export const announceNowhere: AnnounceAccessChange = async () => {};

/** WebSocket close codes, apart from the frame schemas so that browser code can import them without zod. */

/** Close codes the server uses, with the reason text it sends. Browsers expose both on `close`. */
export const CLOSE_CODES = {
  /** Normal closure after the client asked. */
  normal: 1000,
  /** The server is shutting down or restarting: reconnect (to any instance) and resume. */
  going_away: 1001,
  /** A frame larger than 64 KiB. */
  message_too_big: 1009,
  /** Too many open connections from this address or for this tenant: reconnect later, with backoff. */
  try_again_later: 1013,
  /** No tenant named, or not a valid tenant id. */
  tenant_invalid: 4400,
  /**
   * The token is invalid or expired, or missing where production needs one; or, on an open
   * connection, the operator's session ended (logout, password change, removal): log in again.
   */
  unauthorized: 4401,
  /** The page's origin is not allowed for this tenant, or the tenant is disabled. */
  forbidden: 4403,
  /** No such tenant. */
  tenant_not_found: 4404,
  /** The operator's role changed: reconnect (the same token works) to continue with the new role. */
  role_changed: 4409,
  /** The client did not answer pings, or sent nothing for too long. */
  idle_timeout: 4408,
  /** Too many frames too fast, repeatedly; or too many connections opened from this address lately. */
  rate_limited: 4429,
  /** The client read too slowly: its unsent frames piled up. Reconnect and resume with `since_seq`. */
  slow_consumer: 4413,
} as const;

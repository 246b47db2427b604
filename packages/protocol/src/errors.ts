/**
 * The one registry of error codes the platform answers with.
 *
 * Every error body on the wire is `{ detail, code, request_id }` (plus `errors` for validation
 * failures). Codes are stable: clients may switch on them. Details are for people and may change.
 *
 * @example
 * if (body.code === 'tenant_not_found') showSetupHelp();
 */
export const ERROR_CODES = {
  tenant_missing: { status: 400, detail: 'Tenant ID not found in request' },
  tenant_invalid: {
    status: 400,
    detail: 'Tenant ID is not a valid slug (lowercase letters, digits and dashes, 1-63 characters)',
  },
  tenant_conflict: { status: 400, detail: 'The request names more than one tenant' },
  tenant_not_found: { status: 404, detail: 'Tenant not found' },
  tenant_disabled: { status: 403, detail: 'Tenant is disabled' },
  chat_not_found: { status: 404, detail: 'Chat not found' },
  chat_assigned: { status: 409, detail: 'Another operator has taken this chat over' },
  chat_closed: { status: 409, detail: 'The chat is closed' },
  chat_assigned_to_other: {
    status: 403,
    detail:
      'Another operator has taken this chat over; only they, an admin or an owner may release or close it',
  },
  document_not_found: { status: 404, detail: 'Knowledge document not found' },
  document_empty: { status: 422, detail: 'The document has no text to index' },
  document_too_complex: {
    status: 422,
    detail: 'The document is nested too deeply or is too large to parse safely',
  },
  outbound_url_refused: {
    status: 422,
    detail:
      'The URL points to an address the server does not call (loopback, private, link-local, metadata, …)',
  },
  auth_required: {
    status: 401,
    detail: 'Authentication is required: send "Authorization: Bearer <token>"',
  },
  invalid_token: { status: 401, detail: 'The token is invalid or expired' },
  invalid_credentials: { status: 401, detail: 'Email or password is incorrect' },
  invalid_refresh_token: {
    status: 401,
    detail: 'The refresh token is invalid, expired or revoked; log in again',
  },
  tenant_mismatch: { status: 403, detail: 'The credentials belong to another tenant than the one named' },
  insufficient_role: { status: 403, detail: 'Your role does not allow this request' },
  invitation_required: {
    status: 403,
    detail: 'This tenant has an owner already; registration needs an invitation from an owner or admin',
  },
  registration_closed: {
    status: 403,
    detail:
      'This tenant has no owner yet and open registration is off; its first owner is created with the command line (tenant owner)',
  },
  invitation_invalid: {
    status: 403,
    detail: 'The invitation is unknown, used, expired or for another email',
  },
  weak_password: { status: 422, detail: 'The password is too weak' },
  email_taken: { status: 409, detail: 'An operator with this email exists already in this tenant' },
  last_owner: { status: 409, detail: 'A tenant must keep at least one owner' },
  operator_not_found: { status: 404, detail: 'Operator not found' },
  api_key_not_found: { status: 404, detail: 'API key not found' },
  rate_limited: {
    status: 429,
    detail: 'Too many requests; retry after the number of seconds in Retry-After',
  },
  too_many_connections: {
    status: 429,
    detail: 'Too many open WebSocket connections from this address or for this tenant; retry later',
  },
  message_empty: { status: 422, detail: 'Message content is empty' },
  message_too_long: { status: 422, detail: 'Message content is longer than 4000 characters' },
  role_not_allowed: { status: 422, detail: 'Visitors may only post messages with role "user"' },
  validation_failed: { status: 422, detail: 'The request does not match the expected shape' },
  invalid_json: { status: 400, detail: 'The request body is not valid JSON' },
  invalid_frame: { status: 400, detail: 'The WebSocket frame does not match any frame of the protocol' },
  bad_request: { status: 400, detail: 'The request is malformed' },
  unsupported_media_type: { status: 415, detail: 'Send the request body as application/json' },
  payload_too_large: { status: 413, detail: 'The request body is too large' },
  uri_too_long: { status: 414, detail: 'The URL or one of its parts is too long' },
  request_timeout: { status: 408, detail: 'The request did not arrive in time; the connection is closed' },
  headers_too_large: { status: 431, detail: 'The request headers are too large' },
  forbidden: { status: 403, detail: 'This request is not allowed' },
  route_not_found: { status: 404, detail: 'No such endpoint' },
  upgrade_required: {
    status: 426,
    detail: 'This is the WebSocket endpoint: connect with a WebSocket client (ws:// or wss://)',
  },
  service_unavailable: { status: 503, detail: 'The service is temporarily unavailable; retry shortly' },
  internal_error: { status: 500, detail: 'An unexpected error occurred' },
} as const satisfies Record<string, { status: number; detail: string }>;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One failing field of a request that did not validate. */
export interface FieldError {
  /** Where the problem is, e.g. `body.context.page_url`. */
  field: string;
  /** What is wrong with it, for people. */
  message: string;
}

/** The body of every error response. */
export interface ErrorBody {
  /** For people: what went wrong and, where possible, what to do. */
  detail: string;
  /** For programs: a key of {@link ERROR_CODES}. */
  code: ErrorCode;
  /** The id of the request, as in the `X-Request-ID` response header and the server log. */
  request_id: string;
  /** For `validation_failed`: every failing field. */
  errors?: FieldError[];
}

/** True when `code` is one of the registry's codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

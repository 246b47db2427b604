/**
 * An error with a code of the protocol's registry (`ERROR_CODES`): what the rules of the domain
 * throw (a chat not found, a chat another operator took over, a tenant mismatch), whoever asked.
 * It lives below the domain, not in `http/`, because it knows nothing of HTTP beyond the status
 * the registry assigns: the HTTP error handler turns it into `{detail, code, request_id}`, and
 * the WebSocket gateway into an `error` frame.
 */
import { ERROR_CODES, type ErrorCode, type FieldError } from '@miptech/protocol';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly errors: FieldError[] | undefined;

  /** `detail` overrides the registry's default text, for a more specific explanation. */
  constructor(code: ErrorCode, detail?: string, errors?: FieldError[]) {
    super(detail ?? ERROR_CODES[code].detail);
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.errors = errors;
  }
}

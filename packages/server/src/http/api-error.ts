/** The error type routes throw; the error handler turns it into the registry's body and status. */
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
